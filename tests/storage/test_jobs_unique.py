import pytest
from sqlalchemy.exc import IntegrityError

from billintake.bootstrap import Runtime
from billintake.domain.model import Channel, IngestJob

SHA = "b" * 64


def test_the_database_refuses_a_second_job_for_the_same_original(
        any_db_runtime: Runtime) -> None:
    rt = any_db_runtime
    with rt.directory() as directory:
        org, _key = directory.create_organization("Jobs")
        other, _key = directory.create_organization("Other")
    with rt.repository(org.id) as repo:
        repo.add_job(IngestJob(organization_id=org.id, channel=Channel.UPLOAD,
                               document_sha256=SHA, original_filename="a.pdf"))
    with pytest.raises(IntegrityError), rt.repository(org.id) as repo:
        repo.add_job(IngestJob(organization_id=org.id, channel=Channel.EMAIL,
                               document_sha256=SHA, original_filename="again.pdf"))
    with rt.repository(other.id) as repo:  # another organization may receive the same file
        repo.add_job(IngestJob(organization_id=other.id, channel=Channel.UPLOAD,
                               document_sha256=SHA, original_filename="a.pdf"))
    with rt.repository(org.id) as repo:
        assert [j.original_filename for j in repo.list_jobs()] == ["a.pdf"]

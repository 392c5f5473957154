import logging

import pytest

from billintake.logs import configure_logging, log_context


def test_context_keys_are_appended_to_each_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    logger = log_context(logging.getLogger("billintake.test"), job_id="j1", stage="read")
    logger.info("stage done")
    logger.debug("not shown at INFO")
    err = capsys.readouterr().err
    assert "INFO billintake.test stage done job_id=j1 stage=read" in err
    assert "not shown" not in err

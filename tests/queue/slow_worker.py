"""A Celery worker whose read stage stalls: started by the tests to be killed mid-job.

Run as a script with the same environment as a normal worker (`billintake worker`).
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

from billintake.queue import celery_app
from billintake.services.pipeline import DEFAULT_STAGES, Readout
from billintake.settings import Settings, get_settings


def stalled_read(data: bytes, media_type: str, xml: bytes | None, settings: Settings
                 ) -> Readout:
    time.sleep(600)  # the test kills this worker long before
    return DEFAULT_STAGES.read(data, media_type, xml, settings)


if __name__ == "__main__":
    celery_app.STAGES = replace(DEFAULT_STAGES, read=stalled_read)
    settings = get_settings()
    celery_app.app.worker_main([
        "worker", "--loglevel=INFO", "-Q", settings.celery_queue, "--pool=solo",
        "--hostname=slow-%h", "--without-gossip", "--without-mingle",
        *sys.argv[1:],
    ])

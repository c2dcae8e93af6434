"""Sensors: the automated LGBF refresh.

``lgbf_refresh_sensor`` polls ``LGBF_URL`` (http, https or file URL). A new publication,
recognised by ETag / Last-Modified / content hash, is downloaded atomically into the LGBF
landing folder and a run of the LGBF assets (and everything downstream) is requested, keyed
by the file's sha256 so the same publication never loads twice. A timeout, an HTTP error, an
HTML page or a truncated file skips the tick with the reason; the next tick tries again.
"""

import json

import dagster as dg

from orchestration import config
from orchestration.lgbf import fetch

POLL_SECONDS = 6 * 60 * 60  # the LGBF is published once a year; four polls a day is plenty


def lgbf_refresh_sensor_for(job) -> dg.SensorDefinition:
    @dg.sensor(
        name="lgbf_refresh_sensor",
        job=job,
        minimum_interval_seconds=POLL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Poll LGBF_URL for a new LGBF publication and load it.",
    )
    def lgbf_refresh_sensor(context: dg.SensorEvaluationContext):
        url = config.lgbf_url()
        if not url:
            return dg.SkipReason(
                "LGBF_URL is not set: only publications already in the landing folder are used"
            )
        cursor = json.loads(context.cursor) if context.cursor else {}
        result = fetch.fetch_publication(url, config.lgbf_landing_dir(), cursor=cursor)
        if result.status != "new":
            if result.cursor != cursor:
                context.update_cursor(json.dumps(result.cursor))
            return dg.SkipReason(f"{result.status}: {result.reason}")
        context.update_cursor(json.dumps(result.cursor))
        return dg.RunRequest(
            run_key=result.sha256,
            tags={"lgbf/publication_sha256": result.sha256, "lgbf/source": url},
        )

    return lgbf_refresh_sensor

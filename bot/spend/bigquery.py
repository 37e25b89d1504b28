"""Reading the Cloud Billing export in BigQuery: one parameterized query, never string-built values.

Only the table name is put into the SQL, because BigQuery cannot take it as a parameter; it passed the
policy's strict pattern (letters, digits, '_' and a project id) before it gets here. ``BIGQUERY_API_URL``
points the client elsewhere (tests use a loopback server).
"""

from __future__ import annotations

import os
from typing import Any, Literal

from bot.config.parts import BillingExport
from bot.spend.report import SpendRow

GroupBy = Literal["owner", "team"]

QUERY = """
SELECT
  IFNULL((SELECT l.value FROM UNNEST(labels) AS l WHERE l.key = @group_key LIMIT 1), '') AS who,
  IFNULL((SELECT l.value FROM UNNEST(labels) AS l WHERE l.key = 'request-id' LIMIT 1), '') AS request_id,
  IFNULL((SELECT l.value FROM UNNEST(labels) AS l WHERE l.key = 'template' LIMIT 1), '') AS template,
  invoice.month AS month,
  SUM(cost) + SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c), 0)) AS net_cost,
  ANY_VALUE(currency) AS currency
FROM `{table}`
WHERE invoice.month IN (@this_month, @last_month)
  AND EXISTS (SELECT 1 FROM UNNEST(labels) AS l WHERE l.key = 'managed-by' AND l.value = 'notebook-bot')
  AND (@who = '' OR EXISTS (SELECT 1 FROM UNNEST(labels) AS l WHERE l.key = @group_key AND l.value = @who))
GROUP BY who, request_id, template, month
"""


class SpendUnavailable(Exception):
    """BigQuery could not answer; the message is what an admin reads."""


class BillingExportReader:
    """Runs the spend query against ``export`` with google-cloud-bigquery (imported on first use)."""

    def __init__(self, export: BillingExport, *, credentials: Any = None, api_url: str | None = None) -> None:
        self.export = export
        self._credentials = credentials
        self._api_url = api_url if api_url is not None else os.environ.get("BIGQUERY_API_URL")
        self._client: Any = None

    def _bigquery(self) -> Any:
        if self._client is None:
            from google.cloud import bigquery

            options = {"api_endpoint": self._api_url} if self._api_url else None
            self._client = bigquery.Client(
                project=self.export.project, credentials=self._credentials, client_options=options
            )
        return self._client

    def rows(self, group_by: GroupBy, who: str, months: tuple[str, str]) -> list[SpendRow]:
        """Net cost per environment and month, for everyone (``who`` empty) or one owner or team."""
        from google.api_core import exceptions
        from google.cloud import bigquery

        params = [
            bigquery.ScalarQueryParameter("group_key", "STRING", group_by),
            bigquery.ScalarQueryParameter("who", "STRING", who),
            bigquery.ScalarQueryParameter("this_month", "STRING", months[0]),
            bigquery.ScalarQueryParameter("last_month", "STRING", months[1]),
        ]
        config = bigquery.QueryJobConfig(query_parameters=params, use_legacy_sql=False)
        table = self.export.table_id
        try:
            result = self._bigquery().query_and_wait(QUERY.format(table=table), job_config=config, wait_timeout=60)
            return [
                SpendRow(
                    who=str(row["who"] or ""),
                    request_id=str(row["request_id"] or ""),
                    template=str(row["template"] or ""),
                    month=str(row["month"] or ""),
                    cost=float(row["net_cost"] or 0.0),
                    currency=str(row["currency"] or "USD"),
                )
                for row in result
            ]
        except exceptions.Forbidden as e:
            raise SpendUnavailable(
                f"BigQuery refused to read `{table}` ({_first(e)}). Give the bot's service account "
                "roles/bigquery.jobUser on the project and roles/bigquery.dataViewer on the dataset."
            ) from e
        except exceptions.NotFound as e:
            raise SpendUnavailable(
                f"The billing export table `{table}` was not found ({_first(e)}). Check costs.billing_export "
                "in the policy against Billing → Billing export → BigQuery export."
            ) from e
        except (exceptions.GoogleAPIError, TimeoutError) as e:
            raise SpendUnavailable(f"BigQuery did not answer ({_first(e)}); try again in a few minutes.") from e


def _first(e: Exception) -> str:
    message = getattr(e, "message", None) or str(e)
    return str(message).splitlines()[0][:200]

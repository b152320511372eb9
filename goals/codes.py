"""Codes made from names, for nodes and trees whose code was left empty (docs/numbers.md "Codes").

A node's code comes from an English glossary of common KPI words (売上 → revenue, 受注件数 → deals, ...): the
whole name first, then the longest glossary word the name contains; a name in ASCII letters becomes its slug
(``Win rate`` → ``win_rate``); otherwise ``kpi_N`` with the first free N. A code taken in the tree gets ``_2``,
``_3``, ... A tree's code is the fiscal year and a slug of its name (``fy2026-marketing``), or ``fyYYYY-tree-N``.
Codes stay editable; these are only defaults.
"""

import re
import unicodedata

# Longest first is applied when matching; the keys are compared after NFKC (full-width letters become ASCII).
GLOSSARY = {
    "売上": "revenue",
    "売上高": "revenue",
    "売上金額": "revenue",
    "受注金額": "revenue",
    "粗利": "gross_profit",
    "粗利益": "gross_profit",
    "受注件数": "deals",
    "受注数": "deals",
    "成約数": "deals",
    "成約件数": "deals",
    "商談数": "opportunities",
    "商談件数": "opportunities",
    "商談化数": "opportunities",
    "平均受注単価": "avg_deal_size",
    "平均単価": "avg_deal_size",
    "受注単価": "avg_deal_size",
    "客単価": "avg_order_value",
    "受注率": "win_rate",
    "成約率": "win_rate",
    "商談化率": "opp_rate",
    "リード数": "leads",
    "リード獲得数": "leads",
    "問い合わせ数": "inquiries",
    "資料請求数": "downloads",
    "セッション数": "sessions",
    "訪問数": "sessions",
    "PV数": "pageviews",
    "ページビュー": "pageviews",
    "CVR": "cvr",
    "コンバージョン率": "cvr",
    "MQL数": "mqls",
    "MQL": "mqls",
    "MQL化率": "mql_rate",
    "SQL数": "sqls",
    "SQL": "sqls",
    "SQL化率": "sql_rate",
    "広告費": "ad_cost",
    "広告費用": "ad_cost",
    "CPA": "cpa",
    "CPL": "cpl",
    "CPC": "cpc",
    "CTR": "ctr",
    "クリック数": "clicks",
    "表示回数": "impressions",
    "架電数": "calls",
    "コール数": "calls",
    "接続数": "connects",
    "接続率": "connect_rate",
    "アポ数": "meetings",
    "アポ獲得数": "meetings",
    "アポ率": "meeting_rate",
    "解約率": "churn_rate",
    "解約数": "churns",
    "継続率": "retention_rate",
    "顧客数": "customers",
    "新規顧客数": "new_customers",
    "LTV": "ltv",
    "NPS": "nps",
    "利益": "profit",
    "営業利益": "operating_profit",
    "原価": "cost",
    "費用": "cost",
    "契約数": "contracts",
    "MRR": "mrr",
    "ARR": "arr",
}
_GLOSSARY = sorted(
    ((unicodedata.normalize("NFKC", key).lower(), value) for key, value in GLOSSARY.items()),
    key=lambda item: -len(item[0]),
)
_SLUG = re.compile(r"[^a-z0-9]+")
MAX_NODE_CODE = 50
MAX_TREE_CODE = 60


def _slug(text, separator):
    text = unicodedata.normalize("NFKC", text).lower()
    return _SLUG.sub(separator, text).strip(separator)


def _unique(base, taken, separator="_"):
    if base not in taken:
        return base
    n = 2
    while f"{base}{separator}{n}" in taken:
        n += 1
    return f"{base}{separator}{n}"


def node_code(name: str, taken) -> str:
    """A code for a node named `name` that is not in `taken` (the tree's codes)."""
    key = unicodedata.normalize("NFKC", name or "").strip().lower()
    base = next((value for word, value in _GLOSSARY if key == word), None)
    if base is None:
        base = next((value for word, value in _GLOSSARY if word in key), None)
    if base is None and key.isascii():
        slug = _slug(key, "_")
        if slug and slug[0].isalpha():
            base = slug[: MAX_NODE_CODE - 4]
    if base is None:
        n = 1
        while f"kpi_{n}" in taken:
            n += 1
        return f"kpi_{n}"
    return _unique(base, taken)


def tree_code(name: str, fiscal_year: int | None, taken) -> str:
    """A code for a tree: fy<year>-<slug of the name> when the name has ASCII letters, else fy<year>-tree-N."""
    slug = _slug(name or "", "-")
    prefix = f"fy{fiscal_year}-" if fiscal_year and str(fiscal_year) not in slug else ""
    if slug:
        return _unique((prefix + slug)[: MAX_TREE_CODE - 4], taken, "-")
    n = 1
    while f"{prefix}tree-{n}" in taken:
        n += 1
    return f"{prefix}tree-{n}"

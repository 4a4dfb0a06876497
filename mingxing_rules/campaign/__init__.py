"""Campaign tracking: the title register over the years and the targets of clause 二.

* :mod:`.register` — offices and their events; folding a history gives the title status on a day.
* :mod:`.files` — the register as JSON Lines or CSV.
* :mod:`.cycle` — a year's assessment through the ruleset (the 表彰名单).
* :mod:`.rates` — the Star rate per county and for the city against the targets.
* :mod:`.report` — tables, a chart and a self-contained HTML report.

See ``docs/campaign.md``.
"""

from __future__ import annotations

from .cycle import (
    CycleDecision,
    CycleResult,
    Evaluator,
    VerdictLike,
    apply_cycle,
    assessment_facts,
    ruleset_evaluator,
    run_cycle,
    summarise_verdict,
)
from .files import (
    dump_register,
    load_register,
    parse_register,
    register_from_records,
    register_to_records,
    save_register,
)
from .rates import (
    CITY,
    DEFAULT_POLICY,
    DEFAULT_TARGETS,
    CampaignPolicy,
    RateTable,
    StarRate,
    rate_table,
    star_rates,
)
from .register import (
    Application,
    Assessment,
    Award,
    Event,
    Incident,
    Office,
    Promotion,
    Reassessment,
    Register,
    Revocation,
    TitleChange,
    TitleStatus,
    fold_history,
    register_problems,
)
from .report import (
    MissingExtraError,
    format_table,
    rate_dataframe,
    render_chart,
    render_html,
    write_chart,
)

__all__ = [
    "CITY",
    "DEFAULT_POLICY",
    "DEFAULT_TARGETS",
    "Application",
    "Assessment",
    "Award",
    "CampaignPolicy",
    "CycleDecision",
    "CycleResult",
    "Evaluator",
    "Event",
    "Incident",
    "MissingExtraError",
    "Office",
    "Promotion",
    "RateTable",
    "Reassessment",
    "Register",
    "Revocation",
    "StarRate",
    "TitleChange",
    "TitleStatus",
    "VerdictLike",
    "apply_cycle",
    "assessment_facts",
    "dump_register",
    "fold_history",
    "format_table",
    "load_register",
    "parse_register",
    "rate_dataframe",
    "rate_table",
    "register_from_records",
    "register_problems",
    "register_to_records",
    "render_chart",
    "render_html",
    "ruleset_evaluator",
    "run_cycle",
    "save_register",
    "star_rates",
    "summarise_verdict",
    "write_chart",
]

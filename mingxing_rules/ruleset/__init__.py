"""Stage 2 — rulesets: reading YAML with source marks (:mod:`.source`), validation into
:class:`~.model.RulesetSpec` (:mod:`.validate`, :mod:`.model`), static analysis (:mod:`.lint`) and
the :class:`~.load.Ruleset` handle (:mod:`.load`)."""

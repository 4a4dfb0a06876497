"""Rule-change tools: structural diff (:mod:`.diff`), verdict impact and flip search
(:mod:`.impact`), what-if (:mod:`.whatif`), Hypothesis strategies (:mod:`.strategies`) and the
pytest helper (:mod:`.testing`). The public module paths are :mod:`mingxing_rules.strategies` and
:mod:`mingxing_rules.testing`."""

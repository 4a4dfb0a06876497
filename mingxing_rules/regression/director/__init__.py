"""Flip search directed by the change: offices that make two rulesets disagree, built on purpose.

Undirected generation almost never draws an office that meets ~70 criteria at once, so a moved
threshold deep inside the Star standards went unnoticed. The director reads the two rulesets'
structure instead: for every pair of outcomes (old outcome ``A``, new outcome ``B``) it asks a
small backtracking solver for an office on which the old version decides ``A`` and the new one
``B``. Goals are "this node is true / false / unknown in this version"; nodes whose definition
and inputs are the same in both versions are *shared*, so asking one version for "true" and the
other for "false" on them fails at once, and the search only descends through what changed.
Facts take values from finite candidate lists made from the thresholds of **both** versions
(each threshold, either side of it, between two thresholds), counts under a rate are realised
from exact rates (at 96 %, between 96 % and 97 %, ...), sets from their members. Every office
the solver proposes is then evaluated by the real compiled rulesets; only verified flips count.

The offices hold only the facts the decision needed (the rest are left out, i.e. unknown), so
each example shows the facts that matter.

>>> from mingxing_rules import load_ruleset
>>> from mingxing_rules.regression.director import direct_flips
>>> old = load_ruleset("star-judicial-office")
>>> new = load_ruleset("examples/amendment/star-judicial-office-2014.yaml")
>>> found = direct_flips(old, new)
>>> {("NOT_ELIGIBLE", "STAR"), ("STAR", "NOT_ELIGIBLE")} <= set(found.transitions())
True
>>> found.offices[("NOT_ELIGIBLE", "STAR")]["floor_area_m2"]
180.0

Each pair of outcomes is settled (a flip found, or shown impossible over the candidate values)
within the solver's budget, or listed in ``found.unsettled``; a pair with ``UNDECIDED`` (a
missing fact) has many more ways to happen and gets a smaller budget in the first round. The
search backjumps: a failure goes straight back to the choice that caused it (see
:mod:`.solver`). Pairs still open after ``total_steps`` go to z3 when it is installed
(:mod:`.witness`); its offices count only when the compiled rulesets confirm them. The values
the solver proposes keep every ``constraints:`` entry of both versions true or unknown (an
office that breaks one is refused as bad data, not a flip).

The modules, in the order they build on each other: :mod:`.structure` (what is read of one
ruleset; the nodes two versions share), :mod:`.partial` (three-valued evaluation on a partial
office), :mod:`.domains` (candidate values), :mod:`.solver` (the search),
:mod:`.exhaustive` (equivalence over the candidates, for mutant analysis), :mod:`.witness`
(the z3 fallback) and :mod:`.search` (the director itself).
"""

from .domains import Domains, Variable
from .exhaustive import analysable, constant_outcomes, node_equivalent, outcomes_never_both
from .search import INVALID, UNDECIDED, DirectedResult, direct_flips, outcome_of, to_json_value
from .structure import Structure, shared_nodes

__all__ = ["INVALID", "UNDECIDED", "DirectedResult", "Domains", "Structure", "Variable",
           "analysable", "constant_outcomes", "direct_flips", "node_equivalent", "outcome_of",
           "outcomes_never_both", "shared_nodes", "to_json_value"]

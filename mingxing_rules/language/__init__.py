"""Stage 1 — the condition language: syntax tree and parser (:mod:`.expr`), the one visitor
and constant folder (:mod:`.visitor`), the meaning of arithmetic (:mod:`.arithmetic`) and the
type checker (:mod:`.typecheck`)."""

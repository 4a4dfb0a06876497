"""Stage 4 — evaluation: office input (:mod:`.office`), the verdict and its trace
(:mod:`.trace`), evaluation and outcome selection (:mod:`.evaluate`), batches (:mod:`.batch`)."""

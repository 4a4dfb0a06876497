"""The explainer as it was before it was made fast (commit 668d06f of
``mingxing_rules/explain/{verdict,reasons,wording}.py``, imports made absolute): the reference
``tests/test_explain_reference.py`` compares every explanation with, byte for byte. Never edit
it to make a test pass: a difference is a change in what users read."""

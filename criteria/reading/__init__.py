"""Reading a clinician's message into fact values, one layer per module.

text (normalising), numbers (digits, words, ranges), dates (birth dates to ages), units (Pint
with a laboratory definitions file), terms (the lexicon of clinical terms, fuzzy-matched),
context (ConText: negated, uncertain, historical, hypothetical, family), and extraction (which
fact each value belongs to).  Nothing here knows of Rasa or HTTP.
"""

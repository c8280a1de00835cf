"""Normalization: the normal forms an article is compared and stored by.

The text's Unicode and whitespace (`forms.py`), its comparison form and hash (`comparison.py`), and
the canonical URL and identity key that fold a page's URL variants into one article (`identity.py`).
"""

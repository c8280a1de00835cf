"""Normal forms: one canonical URL per article, stable text and hashes."""

from pipeline.normalize.forms import canonical_url, content_hash, normalize_text, outlet_domain


def test_tracking_parameters_and_fragments_fold_away():
    assert (
        canonical_url(
            "http://www.example.test/a/story/?utm_source=twitter&utm_medium=social&fbclid=x#comments"
        )
        == "http://www.example.test/a/story/"
    )


def test_sane_rel_canonical_is_honoured():
    page = "http://www.example.test/print/story-1?page=all"
    assert canonical_url(page, "/news/story-1/") == "http://www.example.test/news/story-1/"


def test_insane_rel_canonical_is_ignored():
    page = "http://www.example.test/news/story-1/"
    assert canonical_url(page, "http://www.example.test/") == page  # points at the home page
    assert canonical_url(page, "http://other.test/news/story-1/") == page  # another site


def test_outlet_is_the_registered_domain():
    assert outlet_domain("https://www.theguardian.com/film/2014/dec/18/x") == "theguardian.com"
    assert outlet_domain("http://www.bitwire.test/2014/x/") == "bitwire.test"


def test_text_normal_form_ignores_layout_whitespace():
    a = normalize_text("First  paragraph.\r\n\r\n  Second\u00a0paragraph. \n")
    b = normalize_text("First paragraph.\nSecond paragraph.")
    assert a == b == "First paragraph.\nSecond paragraph."
    assert content_hash(a) == content_hash(b)
    assert normalize_text("Cafe\u0301") == "Café"

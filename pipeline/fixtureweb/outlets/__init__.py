"""One renderer per fixture outlet, each with its own chrome and metadata convention.

| host | outlet | metadata convention | gzip |
| --- | --- | --- | --- |
| www.rollingstone.test | Rolling Stone | JSON-LD NewsArticle + OpenGraph + article:published_time | no |
| www.pacificcourier.test | The Pacific Courier | JSON-LD NewsArticle (author list) + visible byline | yes |
| www.screenledger.test | Screen Ledger | OpenGraph + article:*_time + meta author + <time datetime> | no |
| www.bitwire.test | Bitwire | schema.org microdata (itemprop headline/author/dates/articleBody) | yes |
| www.capitaltribune.test | Capital Tribune | none: visible byline text and <title> only | no |
| www.globalwire.test | Global Wire | <meta name="date">, <meta name="byl">, dateline in the text | no |
"""

from __future__ import annotations

from .base import Outlet
from .bitwire import OUTLET as _bitwire
from .capitaltribune import OUTLET as _capitaltribune
from .globalwire import OUTLET as _globalwire
from .pacificcourier import OUTLET as _pacificcourier
from .rollingstone import OUTLET as _rollingstone
from .screenledger import OUTLET as _screenledger

OUTLETS: dict[str, Outlet] = {
    o.host: o
    for o in (_rollingstone, _pacificcourier, _screenledger, _bitwire, _capitaltribune, _globalwire)
}

__all__ = ["OUTLETS", "Outlet"]

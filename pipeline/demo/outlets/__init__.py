"""One renderer per fixture outlet, each with its own chrome and metadata convention.

| host | metadata convention | gzip |
| --- | --- | --- |
| www.rollingstone.test | JSON-LD NewsArticle, OpenGraph, article:published_time | no |
| www.pacificcourier.test | JSON-LD NewsArticle (author list), visible byline | yes |
| www.screenledger.test | OpenGraph, article:*_time, meta author, <time datetime> | no |
| www.bitwire.test | schema.org microdata (headline, author, dates, articleBody) | yes |
| www.capitaltribune.test | none: visible byline text and <title> only | no |
| www.globalwire.test | <meta name="date">, <meta name="byl">, dateline in the text | no |
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

"""Write docs/index.md, the site's home page, from README.md (its links made site-relative),
so that the front page has one source."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

text = (ROOT / "README.md").read_text().replace("](docs/", "](")
(ROOT / "docs" / "index.md").write_text("<!-- made from README.md by scripts/docs_index.py: edit that -->\n" + text)

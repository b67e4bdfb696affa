from __future__ import annotations

import io
import socket

import pytest
from pypdf import PdfReader

from norec_portal import pdf


@pytest.fixture
def no_network(monkeypatch):
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("network access during PDF rendering")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.fixture
def fetched(monkeypatch):
    seen: list[str] = []
    original = pdf.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        seen.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", spy)
    pdf._house_style.cache_clear()
    return seen


def render(**context) -> bytes:
    return pdf.render_pdf("documents/pdf_test.html", {"name": "Grace Nakato", **context})


def test_render_pdf_returns_a_pdf_with_the_text(no_network):
    data = render(link="https://norec.no")
    assert data.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Letter for Grace Nakato" in text
    assert no_network == []


def test_only_static_files_are_loaded(no_network, fetched):
    data = render(link="file:///etc/shadow")
    refused = [url for url in fetched if "/static/" not in url]
    assert any("169.254.169.254" in url for url in fetched)
    assert any(url.startswith("file:") for url in refused)
    assert no_network == []
    with open("/etc/passwd", "rb") as handle:
        first_line = handle.readline().strip()
    assert first_line not in data
    reader = PdfReader(io.BytesIO(data))
    assert reader.attachments == {}


def test_fetcher_refuses_path_traversal_and_foreign_hosts():
    fetcher = pdf.StaticOnlyFetcher()
    for url in [
        "https://documents.invalid/static/../../settings.py",
        "https://documents.invalid/etc/passwd",
        "http://169.254.169.254/",
        "https://example.org/static/css/documents.css",
        "file:///etc/passwd",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    response = fetcher.fetch("https://documents.invalid/static/css/documents.css")
    assert b"@page" in response.read()


def test_fonts_are_embedded_from_the_bundle(no_network):
    reader = PdfReader(io.BytesIO(render(link="#")))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Norec-Sans" in name for name in fonts)

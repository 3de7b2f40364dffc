"""A PDF's running heads and feet are dropped; the text of its pages stays."""

from rag.ingest.pages import drop_running_lines


def test_running_heads_and_page_numbers_go_and_body_text_stays():
    bodies = ["The river rose.\nIt flooded.", "Salmon returned.\nMore than ever.", "The weir came down.\nAt last.",
              "Funds grew.\nDonors gave.", "Volunteers planted trees.\nMany of them."]
    pages = [f"Annual Report 2023\nPage {n}\n{body}\nAnnual Report 2023" for n, body in enumerate(bodies, 1)]
    out = drop_running_lines(pages)
    assert all("Annual Report 2023" not in p and "Page" not in p for p in out)
    assert out[2] == "The weir came down.\nAt last."


def test_lines_on_fewer_than_three_pages_or_in_the_middle_stay():
    pages = ["Chapter One\nIt begins.\nThe end of page one.", "Chapter One\nIt goes on.\nMore text here.",
             "Chapter Two\nAnother start.\nAnd so on.", "Chapter Three\nFinal part.\nThe end."]
    assert drop_running_lines(pages) == pages  # "Chapter One" heads 2 of 4 pages: fewer than three
    middle = ["Intro\na\nb\nc\nSame line\nd\ne\nf\nOutro"] * 4
    assert drop_running_lines(middle)[0].count("Same line") == 1  # not at a page's edge


def test_a_chapters_running_head_goes_though_it_heads_few_of_the_pages():
    """A manual's running head names the chapter: "Chapter 4: Function reference 17" heads that chapter's
    pages only; on 3 of 12 pages it went unnoticed while half the pages were needed, and ran into the text."""
    pages = [f"Chapter 1: Overview {n}\nPlain words on page {n}.\nMore plain words." for n in range(1, 10)]
    calls = ["The parser returns a node.\nIt is freed later.", "The encoder writes bytes.\nIt checks sizes.",
             "The decoder reads bytes.\nIt stops at the end."]
    pages += [f"Chapter 4: Function reference {n}\n{body}" for n, body in zip(range(10, 13), calls)]
    out = drop_running_lines(pages)
    assert all("Chapter" not in p for p in out) and out[10] == calls[1]

"""A PDF's running heads and feet are dropped; the text of its pages stays."""

from rag.ingest.pages import drop_running_lines


def test_running_heads_and_page_numbers_go_and_body_text_stays():
    bodies = ["The river rose.\nIt flooded.", "Salmon returned.\nMore than ever.", "The weir came down.\nAt last.",
              "Funds grew.\nDonors gave.", "Volunteers planted trees.\nMany of them."]
    pages = [f"Annual Report 2023\nPage {n}\n{body}\nAnnual Report 2023" for n, body in enumerate(bodies, 1)]
    out = drop_running_lines(pages)
    assert all("Annual Report 2023" not in p and "Page" not in p for p in out)
    assert out[2] == "The weir came down.\nAt last."


def test_lines_on_fewer_than_half_the_pages_or_in_the_middle_stay():
    pages = ["Chapter One\nIt begins.\nThe end of page one.", "Chapter One\nIt goes on.\nMore text here.",
             "Chapter Two\nAnother start.\nAnd so on.", "Chapter Three\nFinal part.\nThe end."]
    assert drop_running_lines(pages) == pages  # "Chapter One" heads 2 of 4 pages: fewer than three
    middle = ["Intro\na\nb\nc\nSame line\nd\ne\nf\nOutro"] * 4
    assert drop_running_lines(middle)[0].count("Same line") == 1  # not at a page's edge

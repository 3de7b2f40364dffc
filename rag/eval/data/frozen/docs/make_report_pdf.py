"""Build annual_report_2023.pdf: an original, fictional annual report.

The organisation, people, places and figures are invented for testing a
question-answering system; the text below is the whole source of the PDF.
Run:  python make_report_pdf.py   (needs reportlab; writes the PDF beside this file)
"""
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

OUT = Path(__file__).with_name("annual_report_2023.pdf")
TITLE = "Northfold Rivers Trust - Annual Report and Review 2023"

styles = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=styles["BodyText"], fontName="Helvetica",
                      fontSize=10.5, leading=14.5, spaceAfter=7)
QUOTE = ParagraphStyle("quote", parent=BODY, fontName="Helvetica-Oblique",
                       leftIndent=1.2 * cm, rightIndent=1.2 * cm)
H1 = ParagraphStyle("h1", parent=styles["Heading1"], fontName="Helvetica-Bold",
                    fontSize=17, leading=21, spaceAfter=10)
H2 = ParagraphStyle("h2", parent=styles["Heading2"], fontName="Helvetica-Bold",
                    fontSize=13, leading=16, spaceBefore=8, spaceAfter=6)
COVER = ParagraphStyle("cover", parent=H1, fontSize=26, leading=32, alignment=TA_CENTER)
COVER_SUB = ParagraphStyle("coversub", parent=BODY, fontSize=14, leading=19,
                           alignment=TA_CENTER)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=9, leading=12, alignment=TA_CENTER)

# The report: a list of (kind, content). kinds: h1, h2, p, quote, table, break
REPORT = [
    ("cover", None),
    ("h1", "Contents"),
    ("p", "1. About the Trust<br/>2. Foreword from the Chair<br/>3. Review by the Executive Director"
          "<br/>4. Governance and people<br/>5. River restoration<br/>6. Water quality and the "
          "Elmbridge incident<br/>7. Wildlife<br/>8. Communities, farms and volunteers"
          "<br/>9. Financial review<br/>10. Looking ahead to 2024<br/>11. Thanks and acknowledgements"),
    ("break", None),

    ("h1", "1. About the Trust"),
    ("p", "The Northfold Rivers Trust was founded in 1987 by a group of anglers and naturalists "
          "in the market town of Kestrel Bridge. It became a registered charity in 1991. Its "
          "purpose is to protect and restore the rivers, streams and wetlands of the Northfold "
          "catchment, an area of about 1,460 square kilometres drained by the River Tarn, the "
          "River Wend and the Callow Brook."),
    ("p", "The Trust's head office is at Millrace House, 12 Weir Lane, Kestrel Bridge. Its field "
          "centre, where the science team keeps its boats, laboratory and sampling equipment, is "
          "at Heron Point on the north shore of Lake Ellery."),
    ("p", "At the end of 2023 the Trust employed 42 staff (37 full-time equivalents) and was "
          "supported by 318 registered volunteers. Membership grew to 11,240 members, up from "
          "10,385 at the end of 2022. Members pay an annual subscription and elect the Board of "
          "Trustees at the annual general meeting."),
    ("p", "The Trust's work is guided by its strategy, Living Rivers 2030, which the Board adopted "
          "in March 2021. The strategy has three goals: cleaner water, more wildlife, and "
          "communities that value and care for their rivers. Each year the Trust reports its "
          "progress against the targets in the strategy; this report covers the year from "
          "1 January to 31 December 2023."),
    ("h2", "The year in numbers"),
    ("table", [["Measure", "2023", "2022"],
               ["Riverbank restored (km)", "14.2", "9.6"],
               ["Native trees planted", "23,500", "17,800"],
               ["Water quality monitoring sites", "58", "52"],
               ["Adult salmon counted at Carrow Weir", "1,284", "967"],
               ["Pupils taking part in River Rangers", "4,600", "3,950"],
               ["Volunteer hours", "21,750", "18,900"],
               ["Members at year end", "11,240", "10,385"]]),
    ("break", None),

    ("h1", "2. Foreword from the Chair"),
    ("p", "Dr Helena Marsh, Chair of the Board of Trustees, writes:"),
    ("quote", "\"This has been a year of real progress and of hard lessons. We removed a barrier "
              "that had stood on the Tarn for almost two centuries, and we saw salmon return to "
              "water they had not reached in living memory. But the Elmbridge spill in July "
              "reminded us how quickly that progress can be undone.\""),
    ("p", "I want to thank every member, volunteer and funder who made this year possible. Our "
          "staff worked through a long, wet autumn to finish the Ashby Mill project on time, and "
          "our volunteers gave more hours than in any year since the Trust was founded."),
    ("p", "In June the Board said goodbye to Professor Alan Whitcombe, who stepped down after "
          "eleven years as a trustee. Alan chaired our science committee for most of that time, "
          "and the monitoring network we rely on today was largely his design. We welcomed two "
          "new trustees, Aisha Karim and Dr Farid Haddad, who joined the Board in September."),
    ("p", "This is my last foreword as Chair. I will step down at the annual general meeting on "
          "15 June 2024, after six years in the role. The Board has begun the search for my "
          "successor and expects to announce the outcome in the spring."),
    ("quote", "\"Rivers do not recognise the boundaries we draw on maps, and neither can we. "
              "Everything the Trust has achieved, it has achieved in partnership.\""),
    ("p", "Dr Helena Marsh<br/>Chair of the Board of Trustees"),
    ("break", None),

    ("h1", "3. Review by the Executive Director"),
    ("p", "Samuel Adeyemi, who has led the Trust as Executive Director since 2019, reviews the "
          "year."),
    ("p", "2023 was the busiest year in the Trust's history. Our income rose to 4.82 million "
          "pounds, we restored 14.2 kilometres of riverbank against a target of 12 kilometres, "
          "and we completed the removal of Ashby Mill weir, the largest single project we have "
          "ever undertaken."),
    ("quote", "\"Removing Ashby Mill weir was the most complex project in the Trust's history. "
              "It needed the agreement of eleven landowners, two public inquiries' worth of "
              "paperwork and a great deal of patience, and it has given the fish of the Tarn "
              "back a river they lost in the reign of George IV.\""),
    ("p", "Not everything went to plan. We set out to enrol 500 farms in the Clean Farms "
          "Partnership by the end of the year and reached 412. Wet weather in the autumn made "
          "farm visits difficult, and we have carried the target forward into 2024. The "
          "Elmbridge pollution incident in July, described in section 6, was the most serious "
          "event on the Tarn for more than a decade."),
    ("p", "Our staff team grew from 36 to 42 people during the year. The new posts include a "
          "second fisheries officer, a farm adviser for the Upper Wend and a volunteer "
          "coordinator based at Heron Point."),
    ("p", "I am grateful to Dr Helena Marsh for six years of wise and generous leadership as "
          "Chair, and to the whole Board for their support."),
    ("break", None),

    ("h1", "4. Governance and people"),
    ("p", "The Trust is governed by a Board of Trustees of up to twelve members, who are elected "
          "by the members for terms of three years. At 31 December 2023 the Board had eleven "
          "trustees. The Board met six times in 2023 and is supported by three committees: "
          "Finance and Audit, Science, and People."),
    ("h2", "Trustees at 31 December 2023"),
    ("table", [["Trustee", "Role"],
               ["Dr Helena Marsh", "Chair of the Board"],
               ["Graham Whitlow", "Treasurer; chair of Finance and Audit committee"],
               ["Megan O'Connell", "Chair of People committee"],
               ["Dr Farid Haddad", "Chair of Science committee (from September 2023)"],
               ["Aisha Karim", "Trustee (from September 2023)"],
               ["Rev. Peter Lindqvist", "Trustee"],
               ["Julia Brandt", "Trustee"],
               ["Colin Ferris", "Trustee"],
               ["Nadia Osei", "Trustee"],
               ["Ravi Chaudhry", "Trustee"],
               ["Eileen McAllister", "Trustee"]]),
    ("h2", "Senior staff"),
    ("p", "The senior management team in 2023 was: Samuel Adeyemi, Executive Director; Dr Priya "
          "Raman, Head of Science; Lucy Fenwick, Head of Community Engagement; Oona Maguire, "
          "Director of Finance and Resources; and Tom Bracewell, Projects Manager, who led the "
          "Ashby Mill project."),
    ("p", "The Trust's patron is the naturalist and broadcaster Sir Edmund Hale. The accounts "
          "for 2023 were audited by Blackwood and Partners LLP."),
    ("break", None),

    ("h1", "5. River restoration"),
    ("h2", "5.1 Ashby Mill weir"),
    ("p", "Ashby Mill weir was built in 1826 to power a corn mill on the River Tarn. The mill "
          "closed in 1931, but the weir remained and for almost two hundred years it blocked the "
          "upstream migration of salmon and sea trout. Removing it opened 38 kilometres of "
          "spawning and nursery habitat upstream."),
    ("p", "Work began on 7 August 2023 and was completed on 19 September 2023, after six weeks "
          "on site. The contractor was Greystone Civil Engineering Ltd. The project cost 1.35 "
          "million pounds, funded by a grant of 900,000 pounds from the Heritage Waters Fund, "
          "250,000 pounds from Tarnside Water and 200,000 pounds raised by the Trust's own "
          "Open the Tarn appeal."),
    ("p", "Forty blocks of dressed stone from the weir were kept and reused to build a seat and "
          "an interpretation panel beside the old mill, so that visitors can learn the history "
          "of the site. The Ashby Parish Council and local residents were consulted at two "
          "public meetings before work began."),
    ("h2", "5.2 Riverbanks and wetlands"),
    ("p", "The Trust restored 14.2 km of riverbank in 2023, against a target of 12 km. Teams and "
          "volunteers planted 23,500 native trees, mostly alder, willow and oak, and put up "
          "6.8 km of fencing to keep livestock out of the water. Three new wetland scrapes were "
          "dug at Callow Moss to hold back water and provide habitat for wading birds."),
    ("h2", "5.3 Natural flood management"),
    ("p", "In partnership with Northfold County Council, the Trust installed 312 leaky dams in "
          "the woods and gullies of the Upper Wend. Together they can hold back about 41,000 "
          "cubic metres of water during a storm. During the heavy rain of 22 November 2023 the "
          "peak flow recorded at the Wendford gauge was 9 per cent lower than the flood model "
          "had predicted for a storm of that size."),
    ("p", "A leaky dam is a barrier of logs fixed across a small stream or ditch. It lets "
          "normal flows pass underneath but slows down and stores water when levels rise, "
          "spreading the flood peak over a longer time."),
    ("break", None),

    ("h1", "6. Water quality and the Elmbridge incident"),
    ("h2", "6.1 Monitoring"),
    ("p", "The Trust's science team and volunteers monitored 58 sites across the catchment in "
          "2023 and analysed 1,930 water samples. Average phosphate concentrations fell by 18 "
          "per cent compared with 2022, which we attribute mainly to upgrades at two small "
          "treatment works and to changes on farms in the Clean Farms Partnership. Nitrate "
          "levels were broadly unchanged."),
    ("p", "Brindle Ford, the only designated bathing water on the Tarn, remains a concern. "
          "During the bathing season, from May to September, E. coli levels exceeded the "
          "bathing water standard on 6 of the 20 sampling days."),
    ("p", "The Riverwatch citizen science scheme trains volunteers to test water at their local "
          "stream once a month. In 2023, 96 Riverwatch volunteers submitted 1,140 readings."),
    ("h2", "Water quality at five key sites"),
    ("table", [["Site", "River", "Mean phosphate 2023 (mg/l)", "Mean phosphate 2022 (mg/l)", "Status 2023"],
               ["Brindle Ford", "Tarn", "0.091", "0.112", "Moderate"],
               ["Otter Reach", "Tarn", "0.064", "0.081", "Good"],
               ["Ashby Mill", "Tarn", "0.072", "0.085", "Good"],
               ["Wendford", "Wend", "0.118", "0.139", "Poor"],
               ["Callow Brook mouth", "Callow Brook", "0.055", "0.068", "Good"]]),
    ("h2", "6.2 The Elmbridge pollution incident"),
    ("p", "On 3 July 2023 an equipment failure at Tarnside Water's Elmbridge wastewater "
          "treatment works released untreated sewage into the River Tarn for about 14 hours. "
          "Trust staff reported the incident to the regulator within 40 minutes of the first "
          "call from a member of the public. Over the following three days our team counted "
          "about 2,100 dead fish along a 6 km stretch downstream of the works."),
    ("p", "Dr Priya Raman, the Trust's Head of Science, said:"),
    ("quote", "\"The fish that died on the Tarn in July were not an accident of nature. They "
              "were the result of a failure that should never have happened, and the river will "
              "take years to recover.\""),
    ("p", "In December 2023 Tarnside Water agreed to fund a recovery plan for the affected "
          "stretch worth 480,000 pounds, which the Trust will carry out over three years from "
          "2024. The plan includes restocking with native brown trout, restoring gravel beds and "
          "a programme of monthly invertebrate surveys."),
    ("break", None),

    ("h1", "7. Wildlife"),
    ("p", "The automatic fish counter at Carrow Weir recorded 1,284 adult salmon moving upstream "
          "in 2023, up from 967 in 2022. This is the highest count since the counter was "
          "installed in 2004. The counter also recorded 2,310 sea trout."),
    ("p", "Otters are now found throughout the catchment. Our surveyors found signs of otters, "
          "such as spraints and footprints, at 37 of the 58 survey sites, compared with 31 "
          "sites in 2022."),
    ("p", "In May 2023 the Trust released 150 water voles at Callow Moss, where the species had "
          "been missing for more than thirty years. The release was carried out under licence "
          "with the help of the Ellery Foundation. Follow-up surveys in September found signs of "
          "breeding at four of the six release areas."),
    ("p", "The fight against invasive species continued. Volunteers cleared Himalayan balsam "
          "from 26 km of riverbank, and trappers removed 4,800 signal crayfish from the Callow "
          "Brook."),
    ("break", None),

    ("h1", "8. Communities, farms and volunteers"),
    ("h2", "8.1 River Rangers"),
    ("p", "River Rangers is the Trust's education programme for primary schools. Children spend "
          "a day at the river with Trust educators, learning to identify invertebrates, measure "
          "flow and test water. In 2023, 4,600 pupils from 71 schools took part, compared with "
          "3,950 pupils in 2022."),
    ("h2", "8.2 The Clean Farms Partnership"),
    ("p", "The Clean Farms Partnership is a voluntary scheme in which farmers in the catchment "
          "receive free soil testing and advice, and grants of up to 5,000 pounds for measures "
          "that keep soil and slurry out of rivers, such as covered manure stores and new "
          "fencing. By the end of 2023, 412 farms had joined, against a target of 500."),
    ("h2", "8.3 Volunteers"),
    ("p", "Volunteers gave 21,750 hours to the Trust in 2023, the highest total since the Trust "
          "was founded. They planted trees, pulled balsam, tested water, counted fish, staffed "
          "events and helped in the office."),
    ("p", "The Volunteer of the Year award went to Derek Ainsworth, a 78-year-old retired "
          "postman from Kestrel Bridge, who gave 640 hours to balsam clearing and water "
          "monitoring."),
    ("p", "The Trust's annual festival, Tarn Day, was held on 10 June 2023 in Riverside Park, "
          "Kestrel Bridge, and attracted about 3,200 visitors."),
    ("break", None),

    ("h1", "9. Financial review"),
    ("p", "The Trust's financial year runs from 1 January to 31 December. Total income in 2023 "
          "was 4.82 million pounds (2022: 4.15 million pounds) and total expenditure was 4.61 "
          "million pounds (2022: 4.03 million pounds), giving a surplus of 210,000 pounds."),
    ("h2", "Income by source"),
    ("table", [["Source", "2023 (pounds)"],
               ["Grants from trusts and public bodies", "2,310,000"],
               ["Corporate partnerships and contracts", "1,040,000"],
               ["Membership subscriptions", "612,000"],
               ["Donations and appeals", "486,000"],
               ["Legacies", "274,000"],
               ["Trading and events", "98,000"],
               ["Total income", "4,820,000"]]),
    ("h2", "Expenditure by activity"),
    ("table", [["Activity", "2023 (pounds)"],
               ["River restoration", "2,560,000"],
               ["Water quality and science", "820,000"],
               ["Community and education", "610,000"],
               ["Raising funds", "390,000"],
               ["Governance and support", "230,000"],
               ["Total expenditure", "4,610,000"]]),
    ("p", "For every pound the Trust spent in 2023, about 87 pence went directly on charitable "
          "activities: river restoration, water quality and science, and community and "
          "education work."),
    ("h2", "Reserves"),
    ("p", "The Board's reserves policy is to hold free reserves of at least four months' "
          "expenditure, so that the Trust could meet its commitments if a major source of "
          "income were lost. At 31 December 2023 free reserves were 1.9 million pounds, "
          "equal to about five months of expenditure."),
    ("p", "Staff costs were 1.98 million pounds. The salary of the Executive Director was in "
          "the band of 70,000 to 80,000 pounds. Trustees are not paid for their work as "
          "trustees."),
    ("p", "The accounts were approved by the Board of Trustees on 27 February 2024 and signed "
          "on its behalf by Graham Whitlow, Treasurer."),
    ("break", None),

    ("h1", "10. Looking ahead to 2024"),
    ("p", "The Board has approved a budget of 5.1 million pounds for 2024. Our priorities for "
          "the year are:"),
    ("p", "- to begin the three-year Elmbridge recovery plan on the River Tarn;<br/>"
          "- to restore a further 15 km of riverbank;<br/>"
          "- to enrol at least 500 farms in the Clean Farms Partnership;<br/>"
          "- to grow the Riverwatch scheme to 150 volunteers;<br/>"
          "- to prepare for the removal of Holloway Lock weir on the River Wend, planned for "
          "the summer of 2025, subject to funding."),
    ("p", "We will also begin a mid-term review of Living Rivers 2030, to be completed by the "
          "end of 2024, and welcome a new Chair after the annual general meeting in June."),
    ("break", None),

    ("h1", "11. Thanks and acknowledgements"),
    ("p", "The Trust thanks its members, volunteers and partners, and in particular the "
          "Heritage Waters Fund, Northfold County Council, Tarnside Water, the Ellery Foundation "
          "and the many landowners and farmers who allowed us to work on their land."),
    ("p", "Northfold Rivers Trust, Millrace House, 12 Weir Lane, Kestrel Bridge.<br/>"
          "Email: info@northfold-rivers.example"),
]


def cover(story):
    story.append(Spacer(1, 6 * cm))
    story.append(Paragraph("Northfold Rivers Trust", COVER))
    story.append(Spacer(1, 0.6 * cm))
    story.append(Paragraph("Annual Report and Review 2023", COVER_SUB))
    story.append(Paragraph("For the year ended 31 December 2023", COVER_SUB))
    story.append(Spacer(1, 1.0 * cm))
    story.append(Paragraph("Published 14 March 2024", COVER_SUB))
    story.append(Spacer(1, 8 * cm))
    story.append(Paragraph("This is a fictional document written for testing software. The "
                           "organisation, people, places and figures in it are invented.", SMALL))
    story.append(PageBreak())


def table(rows):
    t = Table(rows, hAlign="LEFT", repeatRows=1)
    t.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTNAME", (0, 1), (-1, -1), "Helvetica"),
        ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dce6f0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return t


def footer(canvas, doc):
    canvas.saveState()
    canvas.setFont("Helvetica", 8.5)
    canvas.drawString(2 * cm, 1.2 * cm, "Northfold Rivers Trust - Annual Report 2023")
    canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, "Page %d" % doc.page)
    canvas.restoreState()


def build(path=OUT):
    story = []
    for kind, content in REPORT:
        if kind == "cover":
            cover(story)
        elif kind == "h1":
            story.append(Paragraph(content, H1))
        elif kind == "h2":
            story.append(Paragraph(content, H2))
        elif kind == "p":
            story.append(Paragraph(content, BODY))
        elif kind == "quote":
            story.append(Paragraph(content, QUOTE))
        elif kind == "table":
            story.append(table(content))
            story.append(Spacer(1, 0.3 * cm))
        elif kind == "break":
            story.append(PageBreak())
    doc = SimpleDocTemplate(str(path), pagesize=A4, title=TITLE,
                            author="Northfold Rivers Trust (fictional)",
                            subject="Annual report 2023", invariant=1,
                            leftMargin=2.2 * cm, rightMargin=2.2 * cm,
                            topMargin=2.2 * cm, bottomMargin=2.2 * cm)
    doc.build(story, onFirstPage=lambda c, d: None, onLaterPages=footer)
    return path


if __name__ == "__main__":
    print(build())

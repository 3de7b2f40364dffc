"""Reading text: words and terms, sentences, spaCy, speakers and links; shared by ingest and answer."""

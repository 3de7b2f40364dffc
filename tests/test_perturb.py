"""Near-misses swap one name, number or noun for one the sources never mention; the suite is seeded."""

from rag.answer.vocabulary import Vocabulary
from rag.eval.perturb import Pools, Swapper, build_suite

POOLS = Pools(names={"PERSON": ["Ada Lovelace", "Grace Hopper"], "GPE": ["Peru", "Chad"], "ORG": ["Acme Corp"]},
              nouns={"NN": ["submarine", "harbour"], "NNS": ["submarines", "harbours"]})
SOURCES = Vocabulary("the mayor of Lyon opened a bridge in 1998 and 45 people watched".split())


def test_a_name_is_swapped_for_one_the_sources_never_mention():
    swap = Swapper(SOURCES, POOLS, seed=1).near_miss("What did Jean Dupont say about Lyon?")
    assert swap is not None and swap.kind == "name" and swap.original in ("Jean Dupont", "Lyon")
    # the entity model tags both as people: a full name for a full name, a surname for a one-word name
    assert swap.replacement in ("Ada Lovelace", "Grace Hopper", "Lovelace", "Hopper")
    assert swap.question == "What did Jean Dupont say about Lyon?".replace(swap.original, swap.replacement)


def test_a_year_becomes_another_year_and_a_number_another_number():
    swapper = Swapper(SOURCES, POOLS, seed=3)
    year = swapper.near_miss("When was it opened in 1998?")  # nothing else to swap
    assert year is not None and year.kind == "number" and year.original == "1998"
    assert year.replacement.isdigit() and len(year.replacement) == 4 and year.replacement != "1998"
    count = Swapper(SOURCES, POOLS, seed=3).near_miss("Did 45 watch it?")
    assert count is not None and count.original == "45" and count.replacement not in ("45",) and count.replacement.isdigit()


def test_a_replacement_the_sources_hold_is_never_used():
    pools = Pools(names={"GPE": ["Lyon"]}, nouns={"NN": ["bridge"], "NNS": []})
    assert Swapper(SOURCES, pools, seed=2).near_miss("What happened in Paris?") is None


def test_the_suite_is_the_same_every_run():
    originals = [{"id": "q1", "question": "What did Jean Dupont say about Lyon?", "type": "what_said"},
                 {"id": "q2", "question": "When was the bridge opened in 1998?", "type": "when"}]
    make = lambda: build_suite(originals, Swapper(SOURCES, POOLS, seed=5), ["Write a poem."], seed=5)  # noqa: E731
    first, second = make(), make()
    assert first == second
    kinds = sorted(v.kind for v in first)
    assert kinds == ["near_miss", "near_miss", "off_topic", "original", "original"]


def test_a_suite_with_the_sources_own_names_adds_their_near_misses():
    from rag.eval.perturb import PresentSwapper

    names = Pools(names={"GPE": ["Lyon", "Peru"]}, nouns={})
    sources = Vocabulary("the mayor of Lyon opened a bridge in Paris in 1998".split())
    originals = [
        {"id": "a", "question": "What did the mayor open in Paris?", "type": "factoid", "avoid": "a bridge in paris"},
        {"id": "b", "question": "What did the mayor open in Paris?", "type": "factoid"},  # no avoid: none made
    ]
    present = PresentSwapper(sources, names, seed=1)
    variants = build_suite(originals, Swapper(sources, POOLS, seed=1), [], present=present)
    made = {v.id: v for v in variants if v.kind == "near_miss_present"}
    assert list(made) == ["a~p"]
    assert made["a~p"].question == "What did the mayor open in Lyon?" and made["a~p"].swapped == ("Paris", "Lyon")
    without = build_suite(originals, Swapper(sources, POOLS, seed=1), [])
    assert [v for v in variants if v.kind != "near_miss_present"] == without  # the rest is the suite as before

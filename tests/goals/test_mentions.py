"""Mentions: @ and a name people are known by, in Japanese text without spaces, with unknown and shared names."""

import pytest

from goals.discussion import mentions
from goals.discussion.mentions import AMBIGUOUS, UNKNOWN, Directory, parse
from goals.models import Department


@pytest.fixture
def people(django_user_model):
    make = django_user_model.objects.create_user
    return {
        "tanaka": make("tanaka", last_name="田中", first_name="一郎"),
        "suzuki": make("suzuki", last_name="鈴木", first_name="次郎"),
        "sato": make("sato", last_name="佐藤", first_name="美咲"),
        "sato2": make("sato.k", last_name="佐藤", first_name="健"),
        "lee": make("lee", last_name="Lee", first_name="Ann"),
    }


@pytest.fixture
def directory(people, db):
    departments = [Department.objects.create(name="インサイドセールス部"), Department.objects.create(name="営業部")]
    return Directory.of(people.values(), departments)


def _reached(found):
    result = []
    for item in found:
        if item.target is None:
            result.append((item.problem, item.text))
        elif item.target.user is not None:
            result.append(("person", item.target.user.username))
        else:
            result.append(("department", item.target.department.name))
    return result


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@tanaka 確認お願いします", [("person", "tanaka")]),
        ("@TANAKA please", [("person", "tanaka")]),
        ("@田中さん、確認お願いします。", [("person", "tanaka")]),  # family name first, honorific after
        ("@田中一郎 さん", [("person", "tanaka")]),
        ("@田中 一郎さん", [("person", "tanaka")]),  # a space between family and given name
        ("＠田中", []),  # a full-width ＠ is not a mention
        ("@ｔａｎａｋａ", [("person", "tanaka")]),  # full-width letters read as half-width
        ("ご確認ください@鈴木", [("person", "suzuki")]),  # right after Japanese text
        ("@インサイドセールス部 の皆さん", [("department", "インサイドセールス部")]),
        ("@営業部と@鈴木", [("department", "営業部"), ("person", "suzuki")]),
        ("mail: tanaka@example.com", []),  # an e-mail address
        ("@suzuki2 is someone else", [(UNKNOWN, "suzuki2")]),
        ("@suzuki. Thanks", [("person", "suzuki")]),  # sentence punctuation ends a Latin name
        ("@山田さん、お願いします", [(UNKNOWN, "山田")]),  # nobody is called 山田: the honorific is not the name
        ("@佐藤さん", [(AMBIGUOUS, "佐藤")]),  # two 佐藤
        ("@sato.k の件", [("person", "sato.k")]),  # the user name settles it
        ("@佐藤美咲さん", [("person", "sato")]),  # so does the full name
        ("@Lee", [("person", "lee")]),
        ("@@tanaka", []),
        ("@", []),
    ],
)
def test_mentions_are_read_as_people_read_them(directory, body, expected):
    assert _reached(parse(body, directory)) == expected


def test_an_ambiguous_name_lists_who_it_could_be(directory, people):
    (found,) = parse("@佐藤 さん", directory)
    assert found.problem == AMBIGUOUS
    assert {target.user for target in found.candidates} == {people["sato"], people["sato2"]}


def test_positions_cover_the_at_sign_and_the_name(directory):
    body = "前置き @田中さん と @営業部"
    first, second = parse(body, directory)
    assert body[first.start : first.end] == "@田中"
    assert body[second.start : second.end] == "@営業部"


def test_the_handle_is_the_family_name_unless_someone_shares_it(directory, people):
    targets = {target.user.username: target for target in directory.targets() if target.user is not None}
    assert directory.handle(targets["tanaka"]) == "田中"
    assert directory.handle(targets["sato"]) == "sato"  # two 佐藤


def test_a_long_text_full_of_at_signs_is_read_in_reasonable_work(directory):
    body = "@ " * 2000 + "@田中" + " @x" * 1000 + "@" * 2000
    found = parse(body, directory)
    assert ("person", "tanaka") in _reached(found)


def test_guests_do_not_see_the_whole_company_in_the_directory(tree, owner, sales_member, django_user_model):
    from goals.access import access_for
    from goals.models import Department, Guest, Membership

    hr = Department.objects.create(name="人事部")
    outsider = django_user_model.objects.create_user("jinji", last_name="人事")
    Membership.objects.create(user=outsider, department=hr)
    advisor = django_user_model.objects.create_user("advisor", last_name="顧問")
    Guest.objects.create(user=advisor).trees.add(tree)
    other_guest = django_user_model.objects.create_user("elsewhere", last_name="他社")
    Guest.objects.create(user=other_guest)

    everyone = mentions.directory_for(tree, access_for(owner))
    names = {target.label for target in everyone.targets()}
    assert {"人事", "人事部", "顧問"} <= names
    assert "他社" not in names  # a guest of other trees only cannot be reached from this tree

    as_guest = {target.label for target in mentions.directory_for(tree, access_for(advisor)).targets()}
    assert "田中" in as_guest and "佐藤" in as_guest and "顧問" in as_guest
    assert "人事" not in as_guest and "人事部" not in as_guest

"""Regions: the data file, the loader, dateline place resolution and `manage.py load_regions`."""

import json
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Region
from articles.regions import (
    RegionDataError,
    load_regions,
    read_regions,
    resolve_place,
    validate_regions,
)
from tests.factories import ArticleFactory, CityFactory, RegionFactory

PROVINCES = read_regions()
CHILDREN = {p["name"]: p["children"] for p in PROVINCES}
ALL_ENTRIES = PROVINCES + [c for p in PROVINCES for c in p["children"]]
ALL_SLUGS = [entry["slug"] for entry in ALL_ENTRIES]
PREFECTURE_KINDS = {"city", "prefecture", "autonomous_prefecture", "league"}


def kinds_under(province):
    return Counter(child["kind"] for child in CHILDREN[province])


# --- the data file ---------------------------------------------------------------------------


def test_file_has_the_34_provincial_divisions_in_code_order():
    """23 provinces (台湾 included), 5 autonomous regions, 4 municipalities, 2 SARs, in order."""
    assert len(PROVINCES) == 34
    assert Counter(p["kind"] for p in PROVINCES) == {
        "province": 23,
        "autonomous_region": 5,
        "municipality": 4,
        "sar": 2,
    }
    names = [p["name"] for p in PROVINCES]
    assert names[:4] == ["北京", "天津", "河北", "山西"]
    assert names[-3:] == ["台湾", "香港", "澳门"]
    assert names.index("重庆") == names.index("海南") + 1


def test_mainland_has_333_prefecture_level_divisions():
    """293 cities, 7 prefectures, 30 autonomous prefectures and 3 leagues (2024 figures)."""
    mainland = [c for p in PROVINCES if p["name"] != "台湾" for c in p["children"]]
    assert Counter(c["kind"] for c in mainland if c["kind"] in PREFECTURE_KINDS) == {
        "city": 293,
        "prefecture": 7,
        "autonomous_prefecture": 30,
        "league": 3,
    }


@pytest.mark.parametrize(
    ("province", "expected"),
    [
        ("浙江", {"city": 11}),
        ("广东", {"city": 21}),
        ("江苏", {"city": 13}),
        ("山东", {"city": 16}),
        ("河北", {"city": 11}),
        ("四川", {"city": 18, "autonomous_prefecture": 3}),
        ("云南", {"city": 8, "autonomous_prefecture": 8}),
        ("青海", {"city": 2, "autonomous_prefecture": 6}),
        ("内蒙古", {"city": 9, "league": 3}),
        ("黑龙江", {"city": 12, "prefecture": 1}),
        ("西藏", {"city": 6, "prefecture": 1}),
        ("湖北", {"city": 12, "autonomous_prefecture": 1, "county_city": 4}),
        ("河南", {"city": 17, "county_city": 1}),
        ("海南", {"city": 4, "county_city": 5}),
        ("新疆", {"city": 4, "autonomous_prefecture": 5, "prefecture": 5, "county_city": 12}),
        ("台湾", {"city": 9}),
        ("北京", {}),
        ("重庆", {}),
        ("香港", {}),
    ],
)
def test_divisions_under_each_province(province, expected):
    """Each province holds exactly its prefecture-level (and direct county-level) divisions."""
    assert kinds_under(province) == expected


def test_slugs_are_unique_lowercase_ascii():
    """Every slug is URL-safe ASCII and no two regions share one."""
    assert len(ALL_SLUGS) == len(set(ALL_SLUGS)) == 34 + 364
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)?", slug) for slug in ALL_SLUGS)


@pytest.mark.parametrize(
    ("full_name", "slug"),
    [
        ("重庆市", "chongqing"),
        ("长沙市", "changsha"),
        ("长治市", "changzhi"),
        ("厦门市", "xiamen"),
        ("蚌埠市", "bengbu"),
        ("六安市", "luan"),
        ("丽水市", "lishui"),
        ("乐山市", "leshan"),
        ("陕西省", "shaanxi"),
        ("山西省", "shanxi"),
        ("福州市", "fuzhou"),
        ("抚州市", "fuzhou-jiangxi"),
        ("苏州市", "suzhou"),
        ("宿州市", "suzhou-anhui"),
        ("泰州市", "taizhou"),
        ("台州市", "taizhou-zhejiang"),
        ("吉林省", "jilin"),
        ("吉林市", "jilin-jilin"),
        ("海南藏族自治州", "hainan-qinghai"),
        ("内蒙古自治区", "neimenggu"),
        ("锡林郭勒盟", "xilinguole"),
        ("昌都市", "changdu"),
    ],
)
def test_polyphones_and_collisions_have_hand_checked_slugs(full_name, slug):
    """Place-name readings (重庆 chong, 厦门 xia) and same-pinyin pairs get the right slug."""
    assert {e["full_name"]: e["slug"] for e in ALL_ENTRIES}[full_name] == slug


def test_short_names_of_autonomous_divisions():
    """Short names drop the ethnic part and the suffix: 延边朝鲜族自治州 is 延边."""
    short = {e["full_name"]: e["name"] for e in ALL_ENTRIES}
    assert short["延边朝鲜族自治州"] == "延边"
    assert short["阿坝藏族羌族自治州"] == "阿坝"
    assert short["克孜勒苏柯尔克孜自治州"] == "克孜勒苏"
    assert short["广西壮族自治区"] == "广西"
    assert short["神农架林区"] == "神农架"


@pytest.mark.parametrize(
    ("provinces", "message"),
    [
        ([{"name": "甲", "full_name": "甲省", "slug": "jia", "kind": "city"}], "类型"),
        ([{"name": "甲", "full_name": "甲省", "slug": "Jia省", "kind": "province"}], "ASCII"),
        ([{"name": "甲", "slug": "jia", "kind": "province"}], "full_name"),
        (
            [
                {"name": "甲", "full_name": "甲省", "slug": "jia", "kind": "province"},
                {"name": "乙", "full_name": "乙省", "slug": "jia", "kind": "province"},
            ],
            "重复",
        ),
        (
            [
                {
                    "name": "甲",
                    "full_name": "甲省",
                    "slug": "jia",
                    "kind": "province",
                    "children": [
                        {"name": "丙", "full_name": "丙市", "slug": "bing", "kind": "city"},
                        {"name": "丙", "full_name": "丙州", "slug": "bing2", "kind": "city"},
                    ],
                }
            ],
            "重名",
        ),
    ],
)
def test_invalid_data_is_rejected_before_writing(provinces, message):
    """A wrong kind, a non-ASCII slug, a missing field or a duplicate is refused."""
    with pytest.raises(RegionDataError, match=message):
        validate_regions(provinces)


# --- the loader (run by migration 0003) ------------------------------------------------------


@pytest.mark.django_db
def test_migration_loaded_every_region_under_its_parent():
    """After migrate the database holds all 398 regions, each city under its province."""
    loaded = Region.objects.filter(slug__in=ALL_SLUGS)
    assert loaded.count() == 398
    assert loaded.filter(parent=None).count() == 34
    wenzhou = Region.objects.get(slug="wenzhou")
    assert (wenzhou.parent.slug, wenzhou.full_name, wenzhou.kind) == ("zhejiang", "温州市", "city")
    assert Region.objects.get(slug="zhejiang").children.filter(kind="city").count() == 11
    assert Region.objects.get(slug="guangdong").children.count() == 21


@pytest.mark.django_db
def test_reloading_changes_nothing():
    """A second load creates and updates nothing and keeps every id."""
    ids = dict(Region.objects.values_list("slug", "pk"))
    result = load_regions(Region)
    assert result.counts == {"created": 0, "updated": 0, "unchanged": 398}
    assert dict(Region.objects.values_list("slug", "pk")) == ids


@pytest.mark.django_db
def test_reloading_repairs_edits_and_restores_deleted_rows():
    """A renamed region is put back and a deleted one re-created; articles keep their region."""
    wenzhou = Region.objects.get(slug="wenzhou")
    article = ArticleFactory(dateline_region=wenzhou)
    Region.objects.filter(pk=wenzhou.pk).update(name="瓯", position=99)
    Region.objects.filter(slug="lishui").delete()

    result = load_regions(Region)

    assert result.counts == {"created": 1, "updated": 1, "unchanged": 396}
    assert result.created == ["lishui"] and result.updated == ["wenzhou"]
    wenzhou.refresh_from_db()
    assert (wenzhou.name, wenzhou.position) == ("温州", 3)
    article.refresh_from_db()
    assert article.dateline_region_id == wenzhou.pk and article.province_id == wenzhou.parent_id


@pytest.mark.django_db
def test_hand_made_region_with_the_same_place_is_adopted_not_duplicated():
    """A region an editor made under the same parent and name keeps its own slug."""
    zhejiang = Region.objects.get(slug="zhejiang")
    Region.objects.filter(slug="lishui").delete()
    own = CityFactory(parent=zhejiang, name="丽水", full_name="丽水", slug="our-lishui")

    result = load_regions(Region)

    assert result.counts["created"] == 0 and "lishui" in result.updated
    own.refresh_from_db()
    assert (own.slug, own.full_name) == ("our-lishui", "丽水市")


@pytest.mark.django_db
def test_factory_regions_are_left_alone():
    """Test regions ("test-province-N") never collide with the loaded ones."""
    city = CityFactory()
    load_regions(Region)
    city.refresh_from_db()
    assert city.slug.startswith("test-city-") and city.parent.slug.startswith("test-province-")


@pytest.mark.django_db
def test_loader_works_with_the_historical_model():
    """The migration's historical Region (no Kind, no methods) loads the same way."""
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state(("articles", "0003_load_regions"))
    historical = state.apps.get_model("articles", "Region")
    Region.objects.filter(slug="aomen").delete()

    result = load_regions(historical)

    assert result.counts == {"created": 1, "updated": 0, "unchanged": 397}
    assert Region.objects.get(slug="aomen").kind == Region.Kind.SAR


# --- resolving dateline places ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ("温州", "浙江 › 温州"),
        ("温州市", "浙江 › 温州"),
        (" 温州 ", "浙江 › 温州"),
        ("溫州", "浙江 › 温州"),
        ("延边", "吉林 › 延边"),
        ("延边州", "吉林 › 延边"),
        ("延边朝鲜族自治州", "吉林 › 延边"),
        ("乌鲁木齐", "新疆 › 乌鲁木齐"),
        ("锡林郭勒盟", "内蒙古 › 锡林郭勒"),
        ("阿里地区", "西藏 › 阿里"),
        ("仙桃", "湖北 › 仙桃"),
        ("石河子", "新疆 › 石河子"),
        ("台北", "台湾 › 台北"),
        ("北京", "北京"),
        ("北京市", "北京"),
        ("香港", "香港"),
        ("内蒙古自治区", "内蒙古"),
        ("广西", "广西"),
        # A provincial short name beats a city's; an exact full name beats both.
        ("吉林", "吉林"),
        ("吉林市", "吉林 › 吉林"),
        ("海南", "海南"),
        ("海南藏族自治州", "青海 › 海南"),
    ],
)
def test_resolve_place(place, expected):
    """A dateline place resolves to its city under its province, or to the province itself."""
    assert str(resolve_place(place)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("place", ["义乌", "火星", "州", "", "   ", None, 42])
def test_unknown_places_resolve_to_none(place):
    """County-level places not loaded, nonsense and non-strings give None, not an error."""
    assert resolve_place(place) is None


@pytest.mark.django_db
def test_exact_full_name_wins_over_a_short_name():
    """When one region's full name is another's short name, the full name decides."""
    province = RegionFactory(name="东岭", full_name="东岭省")
    city = CityFactory(name="东岭城", full_name="东岭")
    assert resolve_place("东岭") == city
    assert resolve_place("东岭省") == province


@pytest.mark.django_db
def test_resolve_place_costs_one_query_including_the_parent(django_assert_num_queries):
    """The province comes with the city: naming both takes a single query."""
    with django_assert_num_queries(1):
        region = resolve_place("温州")
        assert region.province.name == "浙江"


# --- manage.py load_regions ------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("load_regions", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_reports_counts():
    """The command prints how many regions it created, updated and left alone."""
    Region.objects.filter(slug="hangzhou").delete()
    assert "新增 1，更新 0，未变 397" in run()
    assert "新增 0，更新 0，未变 398" in run()


@pytest.mark.django_db
def test_command_dry_run_writes_nothing():
    """--dry-run reports what it would do and rolls it back."""
    Region.objects.filter(slug="hangzhou").delete()
    output = run("--dry-run")
    assert "演练" in output and "新增 1" in output
    assert not Region.objects.filter(slug="hangzhou").exists()


@pytest.mark.django_db
def test_command_verbosity():
    """Verbosity 0 is silent; verbosity 2 names each region it wrote."""
    Region.objects.filter(slug="hangzhou").delete()
    assert run("--verbosity", "0") == ""
    Region.objects.filter(slug="hangzhou").delete()
    assert "新增 hangzhou" in run("--verbosity", "2")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"regions": []}),
        json.dumps({"provinces": [{"name": "甲", "full_name": "甲省", "slug": "甲", "kind": "x"}]}),
    ],
)
def test_command_refuses_a_bad_file(tmp_path, content):
    """A missing, malformed or invalid file is a CommandError and nothing is written."""
    path = tmp_path / "regions.json"
    path.write_text(content, encoding="utf-8")
    before = Region.objects.count()
    with pytest.raises(CommandError):
        run("--file", str(path))
    with pytest.raises(CommandError):
        run("--file", str(tmp_path / "missing.json"))
    assert Region.objects.count() == before

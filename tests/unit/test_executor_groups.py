"""The card's «Исполнитель» dropdown order: the incident's municipality's executors and the
regional bodies first, then the rest (expected lists by hand)."""

from __future__ import annotations

from cur_desktop.services.window_reads import Reference, executor_groups

REF = Reference(
    municipalities={"M1": "Ефремов", "M2": "Тула"},
    executors={
        "uk-efr": "УК «Ефремовская»",
        "adm-efr": "Администрация МО «Ефремов»",
        "adm-tul": "Администрация г. Тулы",
        "min-roads": "Министерство транспорта и дорожного хозяйства",
        "gji": "Государственная жилищная инспекция",
        "uk-tul": "УК «Тульская»",
    },
    topics={},
    executor_places={
        "uk-efr": "M1",
        "adm-efr": "M1",
        "adm-tul": "M2",
        "min-roads": None,
        "gji": None,
        "uk-tul": "M2",
    },
)


def test_the_municipality_and_the_regional_bodies_come_first() -> None:
    assert executor_groups(REF, "M1") == (
        ["adm-efr", "uk-efr", "gji", "min-roads"],
        ["adm-tul", "uk-tul"],
    )


def test_without_a_municipality_the_regional_bodies_come_first() -> None:
    assert executor_groups(REF, None) == (
        ["gji", "min-roads"],
        ["adm-tul", "adm-efr", "uk-efr", "uk-tul"],  # «г. Тулы» before «МО «Ефремов»»
    )

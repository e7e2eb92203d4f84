"""Synthetic articles for the judge and replay tests (written for the tests, not copied)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.models import Article

T0 = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)

ATTACK_TITLE = "Suicide bomber targets convoy of Chinese engineers near Thakot"
ATTACK = """THAKOT: A suicide bomber rammed an explosives-laden car into a convoy carrying Chinese engineers near Thakot on Monday, killing three Chinese nationals and their Pakistani driver, police said.

The engineers were travelling from Islamabad to the Tarbela hydropower project site when the convoy was attacked on the Karakoram Highway.

District police officer Farhan Qureshi said the convoy had a police escort but the attacker struck at a bend in the road.

China's embassy in Islamabad condemned the attack and asked Pakistan to hunt down the perpetrators and strengthen security for Chinese personnel working on CPEC projects.

Interior Minister Naveed Akhtar said a joint investigation team had been formed and the security of Chinese nationals would be reviewed."""

ATTACK_REWRITE_TITLE = "Three Chinese engineers killed in Thakot convoy bombing"
ATTACK_REWRITE = """THAKOT: Three Chinese nationals and their Pakistani driver were killed on Monday when a suicide bomber drove a car packed with explosives into their convoy near Thakot, according to police.

The convoy of Chinese engineers was on its way from Islamabad to the Tarbela hydropower project on the Karakoram Highway when it was hit.

The attacker struck at a bend in the road although a police escort accompanied the convoy, district police officer Farhan Qureshi said.

The Chinese embassy in Islamabad condemned the bombing, urging Pakistan to track down those responsible and tighten security for Chinese personnel on CPEC projects.

A joint investigation team has been set up and the security of Chinese nationals will be reviewed, Interior Minister Naveed Akhtar said."""

ATTACK_FOLLOW_UP_TITLE = "CTD arrests four suspects in Thakot attack on Chinese engineers"
ATTACK_FOLLOW_UP = """PESHAWAR: The Counter Terrorism Department on Tuesday arrested four suspects linked to Monday's suicide bombing near Thakot that killed three Chinese engineers and their Pakistani driver.

CTD spokesman Imran Yousafzai said the suspects, including the alleged facilitator Gul Rehman, were picked up in raids in Mansehra and Battagram, and explosives weighing 120 kilograms were recovered.

"The network that planned the attack on the Chinese convoy has been broken," Inspector General Akhtar Hayat Khan told reporters in Peshawar.

The engineers were travelling from Islamabad to the Tarbela hydropower project on the Karakoram Highway when the suicide bomber struck their convoy, which had a police escort.

Prime Minister Shehbaz Sharif chaired a meeting on the security of Chinese nationals and approved 1,200 additional personnel for the Special Security Division protecting CPEC projects."""

OFF_TOPIC_TITLE = "Karachi water supply restored after pumping station repair"
OFF_TOPIC = """KARACHI: Water supply to several localities was restored on Tuesday after repairs at the Dhabeji pumping station were completed, the water utility said.

Residents had faced shortages for three days after a cable fault shut down two feeders."""

CHINA_ONLY_TITLE = "Typhoon lashes southern China, thousands evacuated"
CHINA_ONLY = """BEIJING: A powerful typhoon made landfall in southern China on Sunday, forcing the evacuation of thousands of residents in Guangdong province.

Chinese state media said flights were cancelled and schools closed as heavy rain lashed the region."""

GWADAR_TITLE = "Federal minister reviews progress on Gwadar port expansion under CPEC"
GWADAR = """GWADAR: Maritime Affairs Minister Kamran Baloch on Wednesday reviewed progress on the expansion of Gwadar port, a flagship project of the China-Pakistan Economic Corridor (CPEC).

The Gwadar Port Authority chairman briefed the minister on new berths, the free zone and a planned ferry service to Gulf ports.

The minister said CPEC projects in Gwadar would create jobs for local people and directed officials to speed up work with the Chinese operator of the port."""


def article(article_id: str, title: str, text: str, published: datetime = T0, **extra: object) -> Article:
    return Article(id=article_id, url=None, title=title, published=published, source="Test",
                   text=text, **extra)  # type: ignore[arg-type]


def attack(hours: float = 0) -> Article:
    return article("a1", ATTACK_TITLE, ATTACK, T0 + timedelta(hours=hours))


def attack_rewrite(hours: float = 5) -> Article:
    return article("a2", ATTACK_REWRITE_TITLE, ATTACK_REWRITE, T0 + timedelta(hours=hours))


def attack_follow_up(hours: float = 30) -> Article:
    return article("a3", ATTACK_FOLLOW_UP_TITLE, ATTACK_FOLLOW_UP, T0 + timedelta(hours=hours))

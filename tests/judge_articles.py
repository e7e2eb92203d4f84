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


# -- other people's versions of the two seeds (written for the tests, not copied) ----------------
# Each is (title, text). Wire summaries and rewrites tell only what the seed told: duplicates.
# Follow-ups add one fact the seeds did not have: updates that name it.

SEED_000_WIRE_TITLE = "China, Pakistan near deal on joint security firms: report"
SEED_000_WIRE = """ISLAMABAD: China and Pakistan are close to an agreement on joint security companies that would protect Chinese nationals working in Pakistan, Nikkei Asia reported, citing several sources.

Under the proposed framework Chinese personnel would guard the inner cordon and Pakistani personnel the outer cordon. Beijing has pressed Islamabad since 2022 to let Chinese security companies protect its citizens after deadly militant attacks."""

SEED_000_REORDERED_TITLE = "Beijing offers more CPEC money if Islamabad accepts Chinese security personnel"
SEED_000_REORDERED = """China is offering Pakistan extra investment in infrastructure, energy and transport under CPEC, and a fast restart of the $7 billion Main Line 1 railway, if Islamabad agrees to joint security companies for Chinese nationals, according to a Nikkei Asia report.

The planned arrangement would put Chinese security personnel inside Pakistan for the first time, something Pakistan has long refused in spite of pressure from Beijing. Chinese citizens could also be moved around in armoured vehicles.

One person involved in the talks said Chinese guards would stand in the inner cordon and Pakistani personnel in the outer cordon, so that Chinese security staff would have little contact with ordinary Pakistanis.

Beijing, which ties future investment to counterterrorism cooperation, has asked since 2022 for its own security companies to protect its citizens, after a series of deadly attacks on them. Pakistan's economy depends on IMF bailouts.

Counterterrorism expert Khuram Iqbal said Beijing was ready to take a proactive role for its overseas interests, while Ayesha Siddiqa of King's College London warned of a backlash against Chinese personnel."""

SEED_000_FOLLOW_UP_TITLE = "Cabinet to take up draft accord on joint security companies with China"
SEED_000_FOLLOW_UP = """ISLAMABAD: The federal cabinet will consider a draft agreement with China on joint security companies to protect Chinese nationals at its meeting on Thursday, Interior Minister Mohsin Naqvi told the Senate Standing Committee on Interior.

Under the draft, 1,500 guards of the joint companies would be deployed at 14 CPEC project sites in Sindh and Khyber Pakhtunkhwa, he said.

Beijing has pressed Islamabad since 2022 to let Chinese security companies protect its citizens, and the two sides have discussed a framework in which Chinese personnel would guard the inner cordon and Pakistani personnel the outer cordon."""

SEED_002_WIRE_TITLE = "China seeks own security forces in Pakistan after Karachi airport blast"
SEED_002_WIRE = """China has stepped up pressure on Pakistan to let its own security personnel protect Chinese citizens, after the airport bombing in Karachi last month killed two Chinese engineers, sources familiar with the talks said.

A written Chinese proposal seeks to formalise the presence of Chinese security forces, but Pakistani officials are wary of foreign forces operating on their soil. Nearly 30,000 Chinese nationals work in Pakistan, mostly on CPEC projects."""

SEED_002_REWRITE_TITLE = "Pakistan wary as Beijing pushes to deploy its own guards"
SEED_002_REWRITE = """Pakistani security officials are hesitant about a Chinese request to station Chinese security forces in the country, according to several people familiar with negotiations that have not been made public.

Beijing submitted a written proposal after the bombing near Karachi airport last month, in which two Chinese engineers died and which investigators believe was helped by insiders who knew the victims' route.

"They want to bring their own security forces to help protect their citizens and projects here," a Pakistani security official said, adding that the proposal was under review but that Islamabad was cautious about its sovereignty.

China's foreign ministry neither confirmed nor denied the details, saying only that the two countries would keep working together to protect Chinese citizens and interests.

Concern has grown over the safety of nearly 30,000 Chinese nationals working in Pakistan, most of them on CPEC projects, which militant groups have repeatedly targeted."""

SEED_002_FOLLOW_UP_TITLE = "Joint security management team for Chinese nationals to start in Karachi"
SEED_002_FOLLOW_UP = """KARACHI: A joint China-Pakistan security management team will start work in Karachi on December 1, Sindh Home Minister Ziaul Hassan Lanjar said on Monday, weeks after Beijing pressed for its own security personnel to protect Chinese nationals.

The team of 40 Chinese and Pakistani officers will review security protocols for Chinese engineers and workers, he said, after the airport bombing in Karachi that killed two Chinese engineers.

Beijing has sought a direct role in protecting the nearly 30,000 Chinese nationals working in Pakistan, most of them on CPEC projects, while Pakistani officials have resisted foreign forces operating freely on their soil."""

SEED_REWRITES = {
    # name: (seed index, title, text, expected kind, words that must be among the changes)
    "000 wire summary": (0, SEED_000_WIRE_TITLE, SEED_000_WIRE, "duplicate", ()),
    "000 reordered rewrite": (0, SEED_000_REORDERED_TITLE, SEED_000_REORDERED, "duplicate", ()),
    "000 follow-up": (0, SEED_000_FOLLOW_UP_TITLE, SEED_000_FOLLOW_UP, "update", ("Mohsin Naqvi", "1,500")),
    "002 wire summary": (1, SEED_002_WIRE_TITLE, SEED_002_WIRE, "duplicate", ()),
    "002 rewrite": (1, SEED_002_REWRITE_TITLE, SEED_002_REWRITE, "duplicate", ()),
    "002 follow-up": (1, SEED_002_FOLLOW_UP_TITLE, SEED_002_FOLLOW_UP, "update", ("December 1", "40 Chinese")),
}


# -- on-topic stories that are not the seeds' story (written for the tests) ---------------------
# Each shares the topic's everyday vocabulary with the seeds (CPEC, Gwadar, Chinese nationals,
# security, protection), but tells another event: a fresh daemon must not file them under the seeds.

SHIPPING_TITLE = "First CPEC container vessel docks at Gwadar on new weekly Karachi service"
SHIPPING = """GWADAR: A container ship of a new weekly line under the China-Pakistan Economic Corridor (CPEC) berthed at Gwadar port on Tuesday, the Gwadar Port Authority said.

The Chinese port operator said the service would connect Gwadar with Karachi and Jebel Ali, and the maritime affairs ministry expects the port to handle 400,000 tonnes of cargo this year.

Security for the Chinese crew was provided by the Special Security Division, which was raised to protect Chinese nationals working on CPEC projects."""

CONVOY_TITLE = "Chinese engineers' convoy hit by suicide car bomb near Dasu dam"
CONVOY = """PESHAWAR: A suicide bomber drove an explosives-laden car into a convoy taking Chinese engineers to the Dasu hydropower project in Khyber Pakhtunkhwa on Tuesday, killing five Chinese nationals and their Pakistani driver, police said.

The Chinese embassy in Islamabad condemned the attack and asked Pakistan to investigate it thoroughly and to protect Chinese personnel and CPEC projects.

Work on the Dasu and Diamer-Bhasha dams was halted after the attack."""

NOT_THE_SEED_STORY = {
    "shipping line at Gwadar": (SHIPPING_TITLE, SHIPPING),
    "convoy attack near Dasu": (CONVOY_TITLE, CONVOY),
    "Gwadar port review": (GWADAR_TITLE, GWADAR),
    "Thakot attack": (ATTACK_TITLE, ATTACK),
}

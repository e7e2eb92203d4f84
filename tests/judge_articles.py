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


# -- seed recognition set (written for the tests, Dawn/APP wire style, Q4 2024 setting) ----------
# SEED_POSITIVES: articles about the seeds' story itself, the ongoing negotiations on Chinese
# security personnel / joint security companies / a joint security mechanism for Chinese
# nationals (labelling.md: seed=true), in varied wording, length and genre. A judge that knows
# only the seeds should file most of them under the seeds' story.
# SEED_NEGATIVES: on-topic stories that share the topic's vocabulary (Chinese nationals, security,
# CPEC, attacks) but tell another event: they must stay out of the seeds' story.
# Each entry: name -> (title, text, published).

_Q4 = datetime(2024, 10, 1, 6, 0, tzinfo=UTC)

SEED_POSITIVES: dict[str, tuple[str, str, datetime]] = {
    "fo weekly briefing denial": (
        "FO rejects reports of Chinese troops for security of its nationals",
        """ISLAMABAD: The Foreign Office on Friday rejected as speculative a foreign media report that Pakistan had allowed Chinese troops to guard Chinese citizens in the country.

At the weekly press briefing, spokesperson Mumtaz Zahra Baloch said Pakistan and China were in contact on improving the safety and security of Chinese personnel, projects and institutions, but that no decision had been taken to station Chinese security personnel on Pakistani soil.

"Pakistan is fully capable of protecting our Chinese friends, and our law enforcement agencies are doing so," she said, adding that the security of Chinese nationals was a priority of the government.

Asked whether Beijing had formally proposed joint security companies, the spokesperson said she would not comment on the details of discussions between the two countries.""",
        _Q4 + timedelta(days=52),
    ),
    "interior minister statement": (
        "Naqvi says only Pakistani forces will protect Chinese citizens",
        """ISLAMABAD: Interior Minister Mohsin Naqvi on Wednesday said there was no question of foreign security personnel being deployed in Pakistan and that the country's own forces would guard Chinese nationals.

Speaking to journalists after a meeting at the interior ministry, the minister said Beijing's concerns about the safety of its citizens were genuine and were being addressed, but that the protection of foreigners was Pakistan's responsibility.

He said the two sides had discussed a joint security mechanism, but any such arrangement would work within Pakistani law and under the command of Pakistani institutions.

Mr Naqvi said more than 20,000 Chinese nationals were living in the country and their movement would be coordinated with the police and the Special Security Division.""",
        _Q4 + timedelta(days=57),
    ),
    "ambassador urges protection": (
        "Chinese envoy calls for joint security steps to protect citizens",
        """ISLAMABAD: Chinese Ambassador Jiang Zaidong on Tuesday urged Pakistan to take targeted measures to protect Chinese citizens and said the two countries should build a joint security framework after repeated attacks on Chinese nationals.

Addressing a seminar organised by a think tank, the ambassador said it was unacceptable that Chinese citizens had been attacked twice in six months.

"Security is the prerequisite for cooperation. We hope Pakistan will punish the perpetrators and put in place joint security arrangements so that such incidents do not happen again," he said.

Mr Jiang said President Xi Jinping attached great importance to the safety of Chinese personnel overseas, and that China was ready to work with Pakistan on security cooperation, including joint security management.""",
        _Q4 + timedelta(days=28),
    ),
    "proposed joint security company": (
        "Beijing proposes joint venture security firm for Chinese nationals in Pakistan",
        """China has proposed a joint venture security company with Pakistan that would employ Chinese and Pakistani guards to protect Chinese nationals and projects, two officials familiar with the negotiations said.

Under the draft, Chinese private security contractors would be licensed to operate alongside Pakistani personnel, and the company would report to a joint committee of both governments.

The proposal was handed over during talks on security arrangements for Chinese citizens, one of the officials said, adding that Islamabad had asked for time to study it because existing laws do not allow foreign security firms to carry arms.

Pakistani officials have long resisted a Chinese security presence, arguing that it would raise questions of sovereignty and could make Chinese nationals more visible targets.""",
        _Q4 + timedelta(days=40),
    ),
    "senate committee discusses demand": (
        "Senate panel seeks briefing on Chinese demand for own security personnel",
        """ISLAMABAD: The Senate Standing Committee on Interior on Monday asked the interior ministry to brief it in camera on China's demand to deploy its own security personnel for the protection of Chinese nationals working in Pakistan.

Committee chairman Faisal Saleem Rehman said members had learnt of the proposal through the media and that parliament should be taken into confidence on a matter concerning national sovereignty.

Senator Kamran Murtaza said no foreign forces could be allowed to operate in the country, while other members said Pakistan had to address China's security concerns to protect investment under CPEC.

The interior secretary told the committee that talks with the Chinese side on a joint security arrangement were still under way and no agreement had been signed.""",
        _Q4 + timedelta(days=49),
    ),
    "op-ed against foreign boots": (
        "Foreign boots are not the answer",
        """The reported Chinese request to deploy its own security personnel in Pakistan has touched a raw nerve, and for good reason. No sovereign state hands over the protection of foreigners on its soil to the guards of another country, however close the friendship.

Beijing's frustration is understandable. Its engineers and workers have been killed in Dasu, Karachi and Besham, and each attack has raised doubts in China about whether Islamabad can keep its citizens safe. But Chinese security contractors, or joint security companies with Chinese staff, would offer militants a new and more visible target and hand a propaganda gift to those who portray CPEC as an occupation.

The better course is to make the existing arrangements work: a properly resourced Special Security Division, intelligence sharing and a joint mechanism that lets Chinese officials review security protocols without bearing arms. Pakistan should say so clearly in its talks with Beijing, rather than letting speculation fill the silence.""",
        _Q4 + timedelta(days=45),
    ),
    "short brief": (
        "Talks on security of Chinese nationals continue",
        """ISLAMABAD: Pakistan and China are continuing talks on a joint mechanism for the security of Chinese nationals, officials said on Saturday. Beijing has sought a role for its own security personnel, which Islamabad has so far resisted. No date has been set for the next round.""",
        _Q4 + timedelta(days=61),
    ),
    "chinese foreign ministry answer": (
        "China says it will work with Pakistan to protect its citizens",
        """BEIJING: China's foreign ministry on Thursday declined to confirm reports that it had asked Pakistan to allow Chinese security forces into the country, saying the two sides were maintaining close communication on security cooperation.

Asked at a regular press conference about the reported proposal for joint security companies, spokesperson Lin Jian said China and Pakistan were all-weather strategic cooperative partners.

"China will continue to work with Pakistan to take effective measures to ensure the safety of Chinese personnel, projects and institutions in Pakistan," he said.""",
        _Q4 + timedelta(days=44),
    ),
    "talks stalled": (
        "Security talks with China stall over armed foreign guards",
        """ISLAMABAD: Negotiations between Pakistan and China on a new security arrangement for Chinese nationals have stalled over Beijing's insistence that its own guards be allowed to carry weapons, officials with knowledge of the talks said.

Islamabad has offered a joint security coordination cell in which Chinese officials would advise on protocols at project sites, but has refused to let armed Chinese personnel operate in the country, one official said.

"There is no deadlock in the relationship, but on this issue the positions are still apart," the official said, requesting anonymity because he was not authorised to speak to the media.

The Chinese side raised the matter again after the bombing near Karachi airport in October that killed two Chinese engineers, and has linked new investment to better protection of its citizens.""",
        _Q4 + timedelta(days=75),
    ),
    "agreed joint mechanism": (
        "Pakistan, China agree on joint security mechanism for CPEC sites",
        """ISLAMABAD: Pakistan and China have agreed to set up a joint security mechanism for Chinese nationals working at CPEC project sites, under which Chinese security officials will take part in assessing threats and planning the protection of their citizens, officials said on Monday.

The arrangement, finalised after weeks of negotiations, stops short of Beijing's earlier demand to deploy its own armed security personnel in Pakistan, the officials said.

Pakistani forces will remain responsible for the physical security of Chinese nationals, while a joint working group will meet every month to review security at project sites in Sindh, Balochistan and Khyber Pakhtunkhwa.

The interior ministry said the mechanism would strengthen cooperation and reflected the shared resolve of the two countries to defeat the enemies of CPEC.""",
        _Q4 + timedelta(days=83),
    ),
}

SEED_NEGATIVES: dict[str, tuple[str, str, datetime]] = {
    "airport blast arrests": (
        "Police arrest suspects in Karachi airport blast that killed Chinese engineers",
        """KARACHI: The Counter-Terrorism Department on Tuesday arrested two suspects, including a woman, in connection with the suicide bombing near Jinnah International Airport that killed two Chinese engineers last week.

Sindh Home Minister Ziaul Hassan Lanjar told a press conference that the suspects had helped the bomber, identified as Shah Fahad, reach the airport road and had received money from handlers abroad.

He said the vehicle used in the attack had been bought in Hub a month earlier and its number plates were changed twice. The banned Balochistan Liberation Army had claimed responsibility for the attack on the convoy of engineers working for the Port Qasim power plant.

The minister said the investigation would be completed soon and that security for Chinese nationals in Karachi had been tightened.""",
        _Q4 + timedelta(days=14),
    ),
    "besham anniversary": (
        "Families remember Chinese engineers killed in Besham attack",
        """SHANGLA: Six months after a suicide attack near Besham killed five Chinese engineers and their Pakistani driver, residents of the area held a ceremony on Sunday to remember the victims.

Local elders said work at the Dasu hydropower project had resumed, but the road through Besham remained under heavy police guard and traders complained that business had fallen.

The engineers were travelling from Islamabad to Dasu in March when a bomber rammed their vehicle on the Karakoram Highway. Police said the case was being heard by an anti-terrorism court.""",
        _Q4 + timedelta(days=10),
    ),
    "dasu compensation": (
        "Wapda releases compensation for Dasu dam affectees",
        """ABBOTTABAD: The Water and Power Development Authority has released Rs2.5 billion in compensation to families whose land was acquired for the Dasu hydropower project in Upper Kohistan, officials said on Thursday.

The project director said payments to 1,200 households would be completed by December, and that work on the power house and the diversion tunnels was on schedule.

The 4,320-megawatt project, financed by the World Bank, is being built by a Chinese contractor. Residents have staged several protests over delays in payments.""",
        _Q4 + timedelta(days=24),
    ),
    "ssd new wing": (
        "Punjab police raise new unit to protect foreigners on development projects",
        """LAHORE: The Punjab police have raised a new wing of the Special Protection Unit with 1,100 personnel to guard foreign nationals, most of them Chinese, working on development and energy projects in the province.

Inspector General Usman Anwar said on Wednesday that the new wing would be deployed in Sahiwal, Lahore and Rahim Yar Khan, and its officers had been trained in escort duty and the handling of explosives.

He said the SPU was already protecting more than 6,000 Chinese nationals in Punjab and the new recruits would ease the burden on district police. The provincial cabinet approved Rs1.8bn for vehicles and equipment for the unit.""",
        _Q4 + timedelta(days=35),
    ),
    "cpec jcc meeting": (
        "CPEC JCC reviews progress on projects, agrees on new SEZs",
        """ISLAMABAD: The 14th meeting of the Joint Cooperation Committee of the China-Pakistan Economic Corridor on Friday reviewed progress on ongoing projects and agreed to speed up work on special economic zones, the planning ministry said.

Planning Minister Ahsan Iqbal and Chinese Vice Chairman of the National Development and Reform Commission Zhao Chenxin co-chaired the meeting, held by video link.

The two sides signed minutes on industrial cooperation, agriculture, mining and information technology, and agreed to hold a business forum in Beijing next year. Mr Iqbal said the second phase of CPEC would focus on industrialisation and job creation.""",
        _Q4 + timedelta(days=60),
    ),
    "gwadar airport opening": (
        "New Gwadar International Airport opens to flights",
        """GWADAR: The first commercial flight landed at the New Gwadar International Airport on Thursday, as the China-funded facility formally began operations after years of construction.

The $246 million airport, built with a Chinese grant under CPEC, can handle large aircraft such as the Airbus A380 and has a capacity of 400,000 passengers a year, the Civil Aviation Authority said.

Prime Minister Shehbaz Sharif and Chinese Premier Li Qiang had inaugurated the airport virtually in October. Officials said flights to Karachi would operate three times a week to start with.""",
        _Q4 + timedelta(days=80),
    ),
    "convoy attack balochistan": (
        "Militants attack convoy carrying Chinese workers in Balochistan",
        """QUETTA: Militants opened fire on a convoy carrying Chinese workers of a mining company near Nokkundi in Chagai district on Saturday, officials said, adding that all the foreigners were safe.

Two levies personnel were injured in the exchange of fire, which lasted about 30 minutes, before the attackers fled towards the mountains. The workers were moved to the Saindak project camp.

A spokesman for the Balochistan government said a search operation had been launched in the area. No group immediately claimed responsibility for the attack.""",
        _Q4 + timedelta(days=21),
    ),
    "ml-1 financing": (
        "Pakistan seeks Chinese financing for first phase of ML-1",
        """ISLAMABAD: Pakistan has asked China to finance the first package of the Main Line-1 railway upgrade from Karachi to Rohri, estimated to cost $2bn, the planning ministry said on Tuesday.

Officials said the revised plan would split the $6.7bn project into three packages so that work could begin on the busiest section, and a Chinese technical team was expected in Islamabad next month.

The ML-1 project, the largest under CPEC, has been delayed for years over its cost and Pakistan's debt position.""",
        _Q4 + timedelta(days=66),
    ),
    "chinese ipps dues": (
        "Chinese power producers' dues climb to Rs500bn",
        """ISLAMABAD: Outstanding payments to Chinese independent power producers under CPEC have risen to about Rs500 billion, the power division told the National Assembly Standing Committee on Energy on Tuesday.

Officials said Rs50bn would be paid this month from the circular debt plan, and that the government was negotiating with Chinese IPPs to reprofile debt and convert tariffs to local currency.

Committee members said the delay in payments had become an irritant in relations with Beijing, which had raised the matter at several meetings.""",
        _Q4 + timedelta(days=38),
    ),
    "chinese national harassed": (
        "Chinese national moves court against police harassment in Karachi",
        """KARACHI: A Chinese national running a business in Karachi has petitioned the Sindh High Court against alleged harassment by police, who he said stopped him from leaving his home without an escort and searched his premises.

The petitioner said police officials had repeatedly detained him and his employees at checkpoints in the name of security and demanded money.

The court issued notices to the inspector general of police and the home department, and asked them to explain the standard operating procedure for the security of Chinese nationals. The hearing was adjourned to November 12.""",
        _Q4 + timedelta(days=30),
    ),
}


# -- an attack in the seeds' months, and what follows it (written for the tests) -------------------
# (id, hours after the blast, title, text): the report, reactions that share few of its words,
# an article on the seeds' subject that names the attack, and arrests in the attack's case.
_BLAST = datetime(2024, 10, 6, 20, tzinfo=UTC)
AIRPORT_ATTACK_STREAM = [
    ("blast", 3, "Two Chinese nationals killed in blast near Karachi airport",
     """KARACHI: Two Chinese nationals were killed and eight people injured when a powerful explosion hit a convoy near Jinnah International Airport late on Sunday night, police and officials said.

The convoy was carrying Chinese engineers and investors of the Port Qasim Electric Power Company from the airport. The banned Balochistan Liberation Army claimed responsibility for the attack, saying it targeted a convoy of Chinese engineers.

Sindh Home Minister Ziaul Hassan Lanjar said a vehicle packed with explosives was used in the attack."""),
    ("pm", 14, "PM condemns Karachi airport attack, vows to bring perpetrators to justice",
     """ISLAMABAD: Prime Minister Shehbaz Sharif on Monday strongly condemned the terrorist attack near Karachi airport and expressed grief over the loss of lives.

The prime minister said those who carried out the heinous act would be brought to justice, and that the government would not let anyone harm Pakistan's friendship with China.

He directed the interior minister to personally supervise the investigation."""),
    ("embassy", 20, "Chinese embassy demands Pakistan punish perpetrators of Karachi blast",
     """ISLAMABAD: The Chinese embassy in Pakistan on Monday strongly condemned the Karachi blast and asked Pakistan to thoroughly investigate the attack, severely punish the perpetrators and take effective measures to protect Chinese citizens, institutions and projects.

The embassy said it had activated an emergency response mechanism and was working with Pakistani authorities to handle the aftermath.

A Chinese working group would travel to Karachi, it said."""),
    ("security", 240, "China presses Pakistan to allow its own security personnel after Karachi attack",
     """ISLAMABAD: China has pressed Pakistan to allow Chinese security personnel to protect its citizens working on CPEC projects, officials said, after the bombing near Karachi airport that killed two Chinese engineers.

Beijing has proposed joint security companies and wants its own security staff deployed at project sites, according to two officials familiar with the talks.

Pakistan has so far resisted allowing foreign security forces on its soil and has offered to strengthen the Special Protection Unit instead."""),
    ("arrests", 288, "CTD arrests suspects linked to Karachi airport bombing",
     """KARACHI: The Counter Terrorism Department on Friday said it had arrested a man and a woman suspected of facilitating the suicide bombing near Karachi airport that killed two Chinese nationals.

The suspects had provided shelter and a vehicle to the bomber, CTD officials said, adding that raids were under way to arrest others.

The attack had targeted a convoy of Chinese engineers working at the Port Qasim power plant."""),
]


def airport_attack_stream() -> list[Article]:
    return [article(i, title, text, _BLAST + timedelta(hours=hours)) for i, hours, title, text in AIRPORT_ATTACK_STREAM]

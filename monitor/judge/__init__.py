"""Judgement: is an article on topic, which story is it, what is new in it.

    judge = Judge.create(topic, settings, seeds)
    decision = judge.decide(article, now)      # pure: reads the story index
    judge.remember(article, decision)          # applies the decision to the index

Pipeline inside ``decide``: relevance (``relevance.py``, cheap, first) → analysis
(``text.py``) → story matching (``matching.py``) → novelty (``novelty.py``).
"""

from monitor.judge.judge import Judge
from monitor.judge.settings import JudgeSettings, TopicSettings

__all__ = ["Judge", "JudgeSettings", "TopicSettings"]

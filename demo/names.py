"""Chinese personal names: common surnames by rough frequency (Shandong has many 王, 张, 刘, 李) and given names
that fit the gender read from the ID number."""
import random

# (surname, weight): the weights follow the usual frequency ranking, with surnames common in Shandong added.
SURNAMES = [
    ("王", 90), ("张", 80), ("刘", 75), ("李", 75), ("陈", 40), ("杨", 35), ("赵", 35), ("孙", 35), ("徐", 25),
    ("马", 25), ("高", 25), ("于", 22), ("周", 20), ("吴", 18), ("郭", 18), ("宋", 18), ("韩", 16), ("朱", 15),
    ("胡", 14), ("林", 12), ("董", 12), ("田", 12), ("崔", 12), ("曹", 10), ("孔", 10), ("孟", 10), ("姜", 10),
    ("丁", 10), ("许", 9), ("吕", 9), ("冯", 8), ("曲", 8), ("毕", 8), ("邢", 7), ("颜", 6), ("魏", 8), ("程", 7),
    ("黄", 10), ("何", 8), ("罗", 6), ("宫", 5), ("隋", 5), ("邹", 6), ("房", 5), ("尹", 5), ("段", 5), ("石", 6),
    ("欧阳", 2), ("司马", 1), ("诸葛", 1),
]
_SURNAME_LIST = [s for s, _ in SURNAMES]
_SURNAME_WEIGHTS = [w for _, w in SURNAMES]

MALE = "伟刚勇军杰涛明超强磊斌鹏辉浩宇凯峰健波俊志国建东海文博晨阳帅亮龙飞鑫鹤振兴立新庆林华成泽然睿哲航"
FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪慧颖琳晶倩洁瑶佳欣怡萍红梅莉蕾月琴雯璐薇悦岚梦涵楠晓晴"
NEUTRAL = "文华晓明宁清安佳子一思嘉雨诗"


def person_name(rng: random.Random, gender: str) -> str:
    """A surname and a one- or two-character given name matching ``gender`` (男 / 女)."""
    surname = rng.choices(_SURNAME_LIST, _SURNAME_WEIGHTS)[0]
    chars = MALE if gender == "男" else FEMALE
    if rng.random() < 0.25:
        return surname + rng.choice(chars)
    first = rng.choice(chars + NEUTRAL)
    second = rng.choice(chars)
    return surname + first + (second if second != first else rng.choice(chars))

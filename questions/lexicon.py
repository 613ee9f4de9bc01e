"""The words people use for things the data may or may not hold: platforms, devices and operating
systems, countries and their people, acquisition channels, plans, languages; and the filler words that
carry no meaning for the reading. A value said here is looked up in the warehouse's profiled values:
found, it filters; missing, the bot asks back with the values there are (never answers for everyone).
"""

from __future__ import annotations

# said word -> (dimension, canonical value as it is usually stored); the catalog decides if it exists
PLATFORM_WORDS = {
    "web": "Web", "website": "Web", "the website": "Web", "site": "Web", "desktop web": "Web",
    "ios": "iOS", "iphone": "iOS", "iphones": "iOS", "ios app": "iOS", "iphone app": "iOS",
    "android": "Android", "android app": "Android", "server": "Server", "backend": "Server",
    "in the app": "iOS", "on the app": "iOS", "mobile app": "iOS", "the mobile app": "iOS", "app only": "iOS",
    "only the app": "iOS", "app": "iOS",
}
OS_WORDS = {
    "mac": "Mac OS X", "macs": "Mac OS X", "macos": "Mac OS X", "mac os": "Mac OS X", "mac os x": "Mac OS X",
    "os x": "Mac OS X", "osx": "Mac OS X", "windows": "Windows", "windows pc": "Windows", "pc": "Windows",
    "linux": "Linux", "ubuntu": "Linux", "chromeos": "Chrome OS", "chrome os": "Chrome OS",
    "chromebook": "Chrome OS", "chromebooks": "Chrome OS", "windows phone": "Windows Phone",
    "blackberry": "BlackBerry",
    "android": "Android", "android phones": "Android", "ios": "iOS", "iphone": "iOS",
}
DEVICE_WORDS = {
    "mobile": "mobile", "phone": "mobile", "phones": "mobile", "smartphone": "mobile", "smartphones": "mobile",
    "desktop": "desktop", "desktops": "desktop", "computer": "desktop", "laptop": "desktop", "laptops": "desktop",
    "tablet": "tablet", "tablets": "tablet", "ipad": "tablet", "ipads": "tablet",
    "smart tv": "tv", "smart tvs": "tv", "tv": "tv", "tvs": "tv", "television": "tv", "televisions": "tv",
    "smartwatch": "wearable", "smartwatches": "wearable", "wearable": "wearable", "wearables": "wearable",
    "console": "console", "consoles": "console",
}
COUNTRIES = {
    "US": ("us", "usa", "u.s.", "united states", "america", "american", "americans", "the us", "the states"),
    "DE": ("de", "germany", "german", "germans", "deutschland"),
    "GB": ("gb", "uk", "u.k.", "united kingdom", "britain", "great britain", "british", "england", "english"),
    "BR": ("br", "brazil", "brasil", "brazilian", "brazilians"),
    "JP": ("jp", "japan", "japanese"),
    "FR": ("fr", "france", "french"),
    "CA": ("ca", "canada", "canadian", "canadians"),
    "ES": ("es", "spain", "spanish"),
    "IT": ("it", "italy", "italian", "italians"),
    "MX": ("mx", "mexico", "mexican", "mexicans"),
    "IN": ("in", "india", "indian", "indians"),
    "AU": ("au", "australia", "australian", "australians"),
    "NL": ("nl", "netherlands", "holland", "dutch"),
    "CN": ("cn", "china", "chinese"),
    "KR": ("kr", "korea", "south korea", "korean", "koreans"),
    # (a country whose adjective is also a language, "polish", "portuguese", is named by the country alone)
    "AT": ("austria", "austrian", "austrians"), "CH": ("switzerland", "swiss"), "SE": ("sweden",),
    "NO": ("norway",), "DK": ("dk", "denmark"), "FI": ("finland",), "PL": ("poland",), "PT": ("portugal",),
    "IE": ("ireland", "irish"), "BE": ("belgium", "belgian"), "AR": ("argentina", "argentinian"),
    "CO": ("colombia", "colombian"), "CL": ("cl", "chile", "chilean"), "ZA": ("za", "south africa", "south african"),
    "NG": ("nigeria", "nigerian"), "EG": ("egypt", "egyptian"), "TR": ("tr", "turkey"), "RU": ("ru", "russia"),
    "UA": ("ua", "ukraine"), "SG": ("sg", "singapore", "singaporean"), "ID": ("indonesia",),
    "PH": ("ph", "philippines", "filipino"), "VN": ("vn", "vietnam"), "TH": ("thailand",), "NZ": ("nz", "new zealand"),
    "IL": ("israel", "israeli"), "AE": ("uae", "united arab emirates", "emirati"), "SA": ("saudi arabia", "saudi"),
    "TW": ("tw", "taiwan", "taiwanese"), "HK": ("hk", "hong kong"),
}
CHANNEL_WORDS = {
    "google": "google", "google ads": "google", "adwords": "google", "search ads": "google",
    "facebook": "facebook", "fb": "facebook", "meta": "facebook", "instagram": "instagram", "insta": "instagram",
    "twitter": "twitter", "x.com": "twitter", "tiktok": "tiktok", "linkedin": "linkedin", "youtube": "youtube",
    "reddit": "reddit", "bing": "bing", "newsletter": "newsletter", "the newsletter": "newsletter",
    "referral": "referral", "referrals": "referral", "referred": "referral", "word of mouth": "referral",
    "organic": "organic", "direct": "direct", "paid": "paid", "paid ads": "paid", "affiliate": "affiliate",
    "affiliates": "affiliate", "podcast": "podcast", "paid social": "paid",
}
PLAN_WORDS = {
    "free": "free", "free tier": "free", "freemium": "free", "pro": "pro", "team": "team", "teams": "team",
    "enterprise": "enterprise", "business": "business", "premium": "premium", "trial": "trial",
    "basic": "basic", "starter": "starter", "plus": "plus",
}
LANGUAGES = {  # a language -> the locale prefix it stands for
    "english": "en", "german": "de", "portuguese": "pt", "japanese": "ja", "french": "fr", "spanish": "es",
    "italian": "it", "dutch": "nl", "chinese": "zh", "korean": "ko",
}

# actions an event may be named after: said with an event and not part of its name, they name another
# event ("invites accepted" is not "Invite Sent"), so the bot asks instead of answering for the one it has
EVENT_VERBS = frozenset("""accepted declined rejected cancelled canceled refunded failed expired removed deleted
returned opened clicked tapped completed started viewed added sent shared signed logged upgraded downgraded
subscribed unsubscribed paid purchased ordered booked joined created updated uploaded downloaded installed
uninstalled played watched liked commented posted followed blocked reported submitted approved verified activated
deactivated renewed redeemed invited received read dismissed skipped saved scheduled""".split())

# the dimension a said value belongs to, in the order ambiguous words are tried (android: platform, then os)
VALUE_WORDS: dict[str, dict[str, str]] = {
    "platform": PLATFORM_WORDS, "os": OS_WORDS, "device": DEVICE_WORDS,
    "country": {w: code for code, words in COUNTRIES.items() for w in words},
    "channel": CHANNEL_WORDS, "plan": PLAN_WORDS,
}
# a two-letter country code alone ("in", "it", "de") is an English word too: only after a preposition
AMBIGUOUS_ALONE = {"app", "us", "in", "it", "de", "es", "ca", "br", "jp", "gb", "fr", "au", "mx", "nl", "cn", "kr",
                   "pro", "team", "free", "plus", "basic", "business", "direct", "paid", "email", "meta", "site",
                   "server", "backend", "phone", "computer", "english", "organic", "trial", "premium", "starter"}

# words that carry no meaning for the reading: said or not, the question is the same
_FILLER_WORDS = """
a an the of for per by in on at to from with within into over across during since until till up down out off
how many much what which who whom whose when where why whats what's whos is are was were be been being do does did
done doing have has had having get gets got getting can could would should will shall may might must
i me my mine we us our ours you your yours they them their theirs he she his her it its this that these those
there here please pls plz thanks thx thank ty hey hi hello yo ok okay so just also really actually quick quickly
show tell give see look find pull fetch get grab run check want need like know let lets let's make
number numbers count counts total totals amount figure figures stats stat data numbers metric metrics report
all any some every each both either neither other another more most less least lot lots
and or but than then vs versus compared compare comparing against
people ppl peeps users user folks persons person ones one guys customers customer members member accounts visitors
did does happen happened happening going go goes went ever still yet already now currently
about around roughly approx approximately like basically kind sort type stuff things thing even
our the company team product app apps site platform service
doing look looking looked lookin doin goin gettin someone somebody anyone anybody matter matters worst best
build builds everyone everybody curve curves too
avg average averages mean typical typically usual usually trend trends trending overall breakdown
analysis analyses analytics
only restrict restricted restricting limit limited limiting comparison comparisons if counting focus zoom narrow
"""
FILLER = frozenset(_FILLER_WORDS.split())

"""Every behavioural parameter of the model, declared once: name, unit, default, range, source.

This is the single place numbers live. Step functions read them from
:class:`ModelParameters`; CLI options, dashboard sliders and sweep bounds are derived from
:func:`parameter_table`. Region facts (data, not behaviour) live in the region catalog.

Sources: "brief" is ``shared/domain/BRIEF.md`` (industry figures quoted there); "assumption"
marks a modelling choice with its rationale, to be tightened by calibration (issue 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from simulation.declarations import Declaration, declaration_of, declare
from simulation.yaml_loading import load_yaml_file_cached


def P(default: float, lo: float, hi: float, unit: str, doc: str, source: str) -> Any:
    """Declare one parameter: default, closed range [lo, hi], unit, meaning and provenance."""
    return declare(default, lo, hi, unit, doc, source)


class ModelParameters(BaseModel):
    """Behavioural parameters of the market model (frozen; validated at construction)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- social network -------------------------------------------------------------------
    mean_degree: float = P(
        12.0, 1.0, 150.0, "ties per consumer",
        "mean number of social ties in the per-region graph",
        "assumption: Dunbar's sympathy group of 12-15 close ties",
    )
    degree_exponent: float = P(
        2.5, 2.05, 4.0, "1",
        "power-law exponent of the tie-weight distribution (heavy-tailed degree)",
        "assumption: online social networks show exponents of 2-3 (Barabasi 2016, ch. 4)",
    )
    cross_region_tie_share: float = P(
        0.01, 0.0, 0.5, "share of ties",
        "share of ties rewired to a consumer in another region (diaspora, travel)",
        "assumption: small, so regions stay mostly separate markets",
    )

    min_tie_weight_share: float = P(
        0.25, 0.0, 1.0, "share of mean weight",
        "floor of a consumer's tie weight (expected degree) as a share of the mean",
        "assumption: nobody online is fully isolated; keeps the smallest degrees near 3",
    )

    # --- funnel (SICAS) -------------------------------------------------------------------
    initial_trust_share: float = P(
        0.41, 0.01, 0.99, "share",
        "mean trust propensity: share of users who trust social-commerce recommendations",
        "brief: only 41% of users fully trust social-commerce recommendations (2025 report)",
    )
    trust_propensity_concentration: float = P(
        4.0, 0.5, 100.0, "1",
        "Beta concentration (a+b) of consumer trust propensity around its mean",
        "assumption: wide heterogeneity across consumers",
    )
    foreign_seller_trust_discount: float = P(
        0.65, 0.0, 1.0, "multiplier",
        "initial trust in an unknown foreign seller relative to trust propensity",
        "brief: trust is the bottleneck across borders; assumption for its size",
    )
    interest_touches: float = P(
        3.0, 1.0, 20.0, "touches",
        "mean attention (in touch units) needed to move from aware to interested",
        "brief: 78% of users watch at least 3 pieces of content before buying",
    )
    attention_decay: float = P(
        0.02, 0.0, 1.0, "1/day",
        "daily decay rate of accumulated attention (memory of a seller, forgetting); "
        "half-life ln 2 / 0.02 = 35 days",
        "literature: adstock half-lives of ad awareness of 2-5 weeks in practice and ~4 to "
        "7-12 weeks in academic estimates (Broadbent 1979, J. Advertising Research; "
        "summarised in Wikipedia 'Advertising adstock'); 5 weeks is inside that range",
    )
    awareness_threshold: float = P(
        0.2, 0.0, 5.0, "touch units",
        "memory of a seller (attention) above which a consumer is aware of it now; below it "
        "she has forgotten the seller (past customers stay aware: purchase memory)",
        "assumption: half a noticed ad's weight, so a single noticed ad is recalled for one "
        "memory half-life (~5 weeks) and then forgotten",
    )
    trust_threshold: float = P(
        0.4, 0.05, 0.95, "trust units",
        "mean trust a consumer needs before considering a purchase from a seller",
        "assumption: calibrated so first purchases need ~5-6 touches (brief: 5.7)",
    )
    trust_decay: float = P(
        0.005, 0.0, 0.2, "1/day",
        "daily relaxation of trust toward its initial level without reinforcement",
        "assumption: slow forgetting of seller experience; reduced by long-term orientation",
    )

    # --- touches by channel ---------------------------------------------------------------
    ad_touch_weight: float = P(
        0.4, 0.0, 5.0, "touch units",
        "attention added by one ad impression that is noticed",
        "assumption: an ad is weaker than creator content",
    )
    ad_notice_rate: float = P(
        0.15, 0.0, 1.0, "probability",
        "probability that a paid impression is noticed (viewability x attention)",
        "assumption: ~30-70% viewability industry norms, half of which is noticed",
    )
    ad_cpm_usd_at_reference_income: float = P(
        6.0, 0.1, 100.0, "USD per 1000 impressions",
        "social ad CPM at the reference income; scales with income per capita",
        "assumption: no sourced CPM table by region in the facts; social CPMs of USD 2-10 "
        "across markets, scaled by income per capita because ad prices follow the buying "
        "power advertisers compete for (USD 2.4 at Indonesia's income, 15 at the US's)",
    )
    budget_income_elasticity: float = P(
        1.0, 0.0, 2.0, "1",
        "how a seller spreads its total marketing budget over its regions: in proportion to "
        "consumers x (income per head / reference income)^this; 1 = in proportion to "
        "purchasing power (expected revenue), 0 = per head (the rule before issue 16)",
        "literature: percentage-of-(anticipated)-sales is the most common budgeting rule "
        "(Shimp & Andrews, Advertising, Promotion and Other Aspects of IMC, budgeting chapter, "
        "citing Lancaster & Stern 1983: ~50% of the top 100 US consumer advertisers budget on "
        "anticipated sales, 20% on past sales); assumption: expected sales per consumer are "
        "proportional to income per head, as the model's CPM and creator fees are",
    )
    ad_frequency_cap_per_day: float = P(
        3.0, 1.0, 100.0, "impressions per user per day",
        "most impressions of one seller a user is shown per day (the platform's frequency "
        "cap); impressions beyond it are not served and not paid",
        "assumption: Meta and Google let advertisers cap a campaign's impressions per user per "
        "day or week; 1-3 per day is the common practice, upper end",
    )
    ad_wearout_rate: float = P(
        0.5, 0.0, 10.0, "1/recent ad",
        "wear-out: a noticed ad adds ad_touch_weight / (1 + rate x ads of that seller the "
        "consumer noticed recently) attention",
        "literature: wear-out after a few exposures (Krugman 1972 three-exposure hypothesis; "
        "Pechmann & Stewart 1988 review; Naik, Mantrala & Sawyer 1998, Marketing Science); "
        "assumption for the size: the third ad in a week adds half the first one's attention",
    )
    ad_wearout_decay: float = P(
        0.1, 0.0, 1.0, "1/day",
        "daily decay of the count of recently noticed ads that drives wear-out (half-life "
        "~7 days)",
        "assumption: wear-out recovers when a campaign pauses for a week or two (Pechmann & "
        "Stewart 1988: wear-out is partly reversed by spacing)",
    )
    ad_targeting_power: float = P(
        1.0, 0.0, 10.0, "exponent",
        "impressions go to platform users with probability ~ affinity^power",
        "assumption: platforms' own interest targeting; precision targeting raises it",
    )
    kol_touch_weight: float = P(
        1.0, 0.0, 5.0, "touch units",
        "attention added by one KOL post seen",
        "assumption: creator content counts as one full touch",
    )
    kol_trust_gain: float = P(
        0.08, 0.0, 1.0, "share of trust gap",
        "share of trust in the KOL (its credibility) a post seen transfers to the seller, "
        "times authority (parasocial trust transfer)",
        "brief: parasocial trust in a KOL transfers to an unknown foreign seller",
    )
    live_touch_weight: float = P(
        2.0, 0.0, 10.0, "touch units",
        "attention added by watching a live-stream (real-time interaction)",
        "brief: live-stream Q&A lowers the cross-cultural trust cost",
    )
    live_trust_gain: float = P(
        0.15, 0.0, 1.0, "share of trust gap",
        "share of trust in the KOL (its credibility) a live-stream watched transfers to the "
        "seller, times authority (parasocial trust)",
        "brief: real-time interaction and scenario-based display",
    )
    live_impulse_rate: float = P(
        0.06, 0.0, 1.0, "probability",
        "chance a live-stream viewer gets an impulse purchase occasion (before culture)",
        "brief/facts: 64% of VN shoppers report 'unconscious' live-stream purchases (Nielsen)",
    )
    live_excitement_utility: float = P(
        2.0, 0.0, 10.0, "utils",
        "extra purchase utility during a live-stream (interaction, scarcity), times impulse",
        "brief: live-stream Ramadan slots +180% sales; VN 64% 'unconscious' purchases",
    )
    wom_touch_weight: float = P(
        1.0, 0.0, 5.0, "touch units",
        "attention added by a friend's share",
        "brief: 62% first meet a product through a friend's share",
    )
    wom_trust_gain: float = P(
        0.12, 0.0, 1.0, "share of trust gap",
        "share of the trust gap a friend's positive share closes per unit of the sharer's "
        "satisfaction (trust transfer along the tie), times peer influence",
        "assumption: friends are more credible than ads, less than lived experience",
    )
    negative_wom_trust_loss: float = P(
        0.15, 0.0, 1.0, "share of trust",
        "share of trust a friend's warning removes per unit of the sharer's dissatisfaction "
        "(1 - satisfaction), times peer influence",
        "assumption: negativity bias; bad news weighs more than good",
    )
    platform_trust: float = P(
        0.41, 0.0, 1.0, "trust units (0-1)",
        "consumers' trust in what social platforms show them (the source of ads' trust)",
        "brief: only 41% of users fully trust social-commerce recommendations",
    )
    ad_platform_trust_transfer: float = P(
        0.01, 0.0, 1.0, "share of platform trust",
        "share of platform trust an ad noticed transfers to the seller (ads carry little "
        "trust: trust gap closed per ad = this x platform_trust)",
        "assumption: ads mostly create awareness and interest (issue 15); a paid message "
        "borrows a sliver of the platform's trust, far less than a KOL post (kol_trust_gain)",
    )
    uncertainty_prior: float = P(
        1.0, 0.01, 1.0, "uncertainty units (0-1)",
        "product uncertainty about a seller a consumer has only seen listed or advertised",
        "definition: 1 = nothing seen of the product in use; content lowers it toward 0",
    )
    kol_uncertainty_reduction: float = P(
        0.1, 0.0, 1.0, "share of uncertainty",
        "share of remaining product uncertainty a KOL post seen removes (scenario display: "
        "the product shown in use)",
        "assumption: a short video answers a few of a buyer's questions; ~10 posts leave a "
        "third of the uncertainty (brief: scenario display lowers the trust cost)",
    )
    live_uncertainty_reduction: float = P(
        0.3, 0.0, 1.0, "share of uncertainty",
        "share of remaining product uncertainty a live-stream watched removes (real-time Q&A)",
        "assumption: live Q&A answers the viewer's own questions, about three posts' worth "
        "(brief: live-stream Q&A reduces uncertainty)",
    )
    fit_return_share: float = P(
        0.5, 0.0, 1.0, "share of returns",
        "share of an uninformed buyer's returns that are fit or expectation returns ('not as "
        "pictured'), which scale with the uncertainty left at purchase",
        "assumption: retail return surveys put size/fit and 'not as described' at about half "
        "of online returns; the regional return norm is the rate of uninformed buyers",
    )
    expectation_gap_weight: float = P(
        3.0, 0.0, 20.0, "logit per quality unit",
        "satisfaction lost per unit of quality short of what content led the buyer to expect",
        "assumption: expectation-disconfirmation weighs like quality itself "
        "(satisfaction_quality_weight), Oliver 1980's disconfirmation model",
    )
    share_rate: float = P(
        0.15, 0.0, 1.0, "probability",
        "chance a satisfied buyer shares the purchase with friends",
        "assumption: Share stage of SICAS; raised by referral rebates and collectivism",
    )
    negative_share_rate: float = P(
        0.25, 0.0, 1.0, "probability",
        "chance a dissatisfied buyer warns friends",
        "assumption: dissatisfied customers tell more people than satisfied ones",
    )
    share_reach: float = P(
        0.5, 0.0, 1.0, "share of ties",
        "share of a sharer's ties who see the share",
        "assumption: feeds show a post to about half of close ties",
    )
    ad_forward_rate: float = P(
        0.003, 0.0, 0.2, "probability",
        "chance a consumer forwards a noticed ad to friends (a share or a chat message)",
        "assumption: social ads earn shares on well under 1% of impressions (platform "
        "engagement benchmarks); a noticed ad is forwarded somewhat more often",
    )
    content_forward_rate: float = P(
        0.02, 0.0, 0.5, "probability",
        "chance a viewer forwards a KOL post (short video) or a live-stream to friends",
        "assumption: short-video share-to-view ratios of about 0.5-3% (creator analytics "
        "benchmarks); shopping content is among the most forwarded in SEA (brief: fission)",
    )
    forward_trust_gain: float = P(
        0.03, 0.0, 1.0, "share of trust gap",
        "share of the trust gap a friend's forward closes per unit of the forwarder's trust "
        "in the seller, times peer influence",
        "assumption: a quarter of a satisfied buyer's share (wom_trust_gain): the friend "
        "vouches by forwarding but has not bought",
    )

    satisfaction_cutoff: float = P(
        0.5, 0.0, 1.0, "satisfaction (0-1)",
        "satisfaction below which a buyer is unhappy: a negative review or share, stuck with "
        "an unwanted item",
        "definition: satisfied means more likely satisfied than not",
    )

    # --- purchase decision ----------------------------------------------------------------
    purchase_occasion_rate: float = P(
        0.04, 0.0, 1.0, "1/day",
        "daily chance that a consumer in the Action stage has a purchase occasion",
        "assumption: cross-border social shoppers buy about monthly",
    )
    choice_intercept: float = P(
        0.0, -10.0, 10.0, "utils",
        "utility of buying over the outside option at average conditions",
        "assumption: even odds of buying on an occasion before price and risk",
    )
    beta_trust: float = P(
        4.0, 0.0, 20.0, "utils per trust unit",
        "weight of trust above the threshold in the purchase utility",
        "assumption: trust dominates the choice once a seller is considered (brief: trust "
        "is the bottleneck)",
    )
    beta_price: float = P(
        1.5, 0.0, 20.0, "utils per day of income",
        "weight of the landed price, in days of income, in the purchase utility",
        "assumption: price-sensitive in emerging markets through income (brief)",
    )
    beta_quality: float = P(
        2.0, 0.0, 20.0, "utils per quality unit",
        "weight of product quality (0-1, centred) times brand sensitivity",
        "brief: brand/quality-sensitive in developed markets",
    )
    beta_delivery: float = P(
        0.8, 0.0, 20.0, "utils per log patience unit",
        "weight of ln(1 + promised delivery days / patience), times risk weight",
        "brief: perceived risk from delivery time; facts: 50% cite slow delivery (Flow 2019)",
    )
    beta_rating: float = P(
        2.0, 0.0, 20.0, "utils per rating unit",
        "weight of the seller's public positive-review share, times risk weight",
        "brief: reviews and replies reduce uncertainty",
    )
    beta_green: float = P(
        0.5, 0.0, 10.0, "utils",
        "utility of a green product for a consumer willing to pay the green premium",
        "brief: 68% willing to pay a premium for green products (Nielsen 2023)",
    )
    green_willing_share: float = P(
        0.68, 0.0, 1.0, "share",
        "share of consumers willing to pay a green premium",
        "brief: Nielsen 2023, 68%",
    )
    patience_days: float = P(
        7.0, 1.0, 60.0, "days",
        "delivery time a consumer takes as normal",
        "assumption: domestic e-commerce sets a one-week norm",
    )
    reference_income_usd: float = P(
        30_000.0, 1_000.0, 200_000.0, "USD PPP per year",
        "income at which brand sensitivity and ad CPM equal their base values",
        "assumption: roughly the world's upper-middle income",
    )
    income_elasticity_quality: float = P(
        0.5, 0.0, 3.0, "1",
        "elasticity of brand/quality sensitivity to income",
        "brief: brand/quality-sensitive in developed markets",
    )
    price_sensitivity_sigma: float = P(
        0.5, 0.0, 2.0, "log units",
        "s.d. of log price sensitivity across consumers",
        "assumption: a factor of ~1.6 between the 16th and 84th percentile consumer",
    )
    brand_sensitivity_sigma: float = P(
        0.3, 0.0, 2.0, "log units",
        "s.d. of log brand/quality sensitivity across consumers (mean one before culture)",
        "assumption: narrower than price sensitivity; culture and income set the level",
    )
    affinity_shape: float = P(
        2.0, 0.1, 50.0, "1",
        "Gamma shape of consumers' interest affinity for the category (mean one)",
        "assumption: right-skewed interest, a minority of enthusiasts",
    )
    affinity_cap: float = P(
        3.0, 1.0, 20.0, "multiple of mean affinity",
        "largest affinity a consumer has (caps ad targeting weights)",
        "assumption: bounds how much ad delivery can concentrate on one consumer",
    )
    interest_threshold_shape: float = P(
        4.0, 0.5, 100.0, "1",
        "Gamma shape of the attention a consumer needs to become interested (mean "
        "interest_touches)",
        "assumption: most need 2-5 touches (brief: 78% watch at least 3 pieces of content)",
    )
    trust_threshold_sd: float = P(
        0.1, 0.0, 0.5, "trust units",
        "s.d. of consumers' trust thresholds around trust_threshold (clipped to its range)",
        "assumption: heterogeneous caution across consumers",
    )
    min_days_between_purchases: float = P(
        10.0, 0.0, 365.0, "days",
        "a consumer does not buy again within this many days",
        "assumption: satiation after a purchase",
    )
    abandon_base_rate: float = P(
        0.2, 0.0, 1.0, "probability",
        "checkout abandonment when the consumer's payment method is offered",
        "assumption: part of the ~70% cart abandonment is browsing; this is late-funnel",
    )
    abandon_missing_method_rate: float = P(
        0.42, 0.0, 1.0, "probability",
        "chance a consumer stops a purchase because none of her payment methods is offered; "
        "an independent reason beside abandon_base_rate: 1 - (1 - base) x (1 - this)",
        "literature: PPRO 2020 US consumer survey: 42% would stop a purchase if their favourite "
        "payment method is not available (Mollie 2022 UK: 38% of PayPal users); brief: missing "
        "local methods cause checkout abandonment",
    )
    second_payment_method_rate: float = P(
        0.4, 0.0, 1.0, "probability",
        "chance a consumer also accepts a second payment method",
        "assumption: many shoppers hold a card and a wallet",
    )
    cart_reminder_return_rate: float = P(
        0.095, 0.0, 1.0, "probability per reminded cart",
        "chance that a seller's abandoned-cart reminder brings the consumer back to it (a "
        "purchase occasion limited to that seller; simulation.cart_recovery); whether she "
        "then orders is the model's choice and checkout",
        "literature: Klaviyo abandoned-cart benchmark 2017 (9.35 million reminder emails of "
        "~3,000 US stores): click rate 9.50% per email (first email 13.6%); taken per cart for the "
        "whole flow, so conservative. A click comes before checkout, so the model's choice "
        "and checkout abandonment apply to it once: the same report's 3-5% of carts "
        "recovered is ~30-50% of the clickers (Omnisend 2021: 20% of clicks on cart "
        "reminders convert)",
    )
    cart_reminder_window_days: float = P(
        3.0, 1.0, 30.0, "days",
        "days after an abandoned checkout within which a reminded consumer who comes back "
        "does so (uniformly; from the next day)",
        "assumption: a three-email flow sent within about three days (Klaviyo 2017: the "
        "first email within hours, later ones over the next days; Bluecore 2018 credits "
        "conversions within 5 days of a send)",
    )

    # --- experience after delivery --------------------------------------------------------
    satisfaction_intercept: float = P(
        1.0, -10.0, 10.0, "logit",
        "satisfaction logit for an on-time delivery of average quality",
        "assumption: most on-time orders of average quality satisfy",
    )
    satisfaction_quality_weight: float = P(
        3.0, 0.0, 20.0, "logit per quality unit",
        "weight of quality above 0.5 in satisfaction",
        "assumption: quality is the second driver of satisfaction after lateness",
    )
    satisfaction_lateness_weight: float = P(
        0.5, 0.0, 20.0, "logit per patience unit",
        "weight of days beyond patience, over patience, times risk weight",
        "brief: slow, unreliable parcels drive bad reviews",
    )
    satisfaction_noise: float = P(
        1.0, 0.0, 5.0, "logit",
        "s.d. of idiosyncratic satisfaction",
        "assumption: idiosyncratic taste, so identical orders can disappoint",
    )
    review_rate: float = P(
        0.4, 0.0, 1.0, "probability",
        "chance a buyer posts a review after delivery",
        "assumption: platforms prompt for reviews",
    )
    lost_parcel_review_rate: float = P(
        0.8, 0.0, 1.0, "probability",
        "chance a buyer whose parcel is lost posts a (negative) review",
        "assumption: lost orders prompt complaints",
    )
    review_delay_days: float = P(
        3.0, 0.0, 30.0, "days",
        "days from delivery to the review and return decision",
        "assumption: return windows and review prompts",
    )
    experience_trust_weight: float = P(
        0.3, 0.0, 1.0, "share of trust gap",
        "trust moves toward satisfaction by this share after an own purchase",
        "assumption: own experience is the strongest trust signal",
    )
    loss_trust_penalty: float = P(
        0.5, 0.0, 1.0, "share of trust",
        "share of trust lost when a parcel is lost or an order cancelled",
        "assumption: a lost parcel or cancellation costs most of the trust built",
    )
    return_dissatisfaction_weight: float = P(
        2.0, 0.0, 10.0, "multiplier",
        "return probability multiplier per unit of dissatisfaction (1 - satisfaction)",
        "assumption: returns concentrate on disappointed buyers",
    )
    cross_border_return_ease: float = P(
        0.35, 0.0, 1.0, "multiplier",
        "return propensity for a cross-border return relative to a local one",
        "brief: local returns only where there is an overseas warehouse",
    )
    return_hassle_satisfaction_penalty: float = P(
        0.8, 0.0, 10.0, "logit",
        "satisfaction lost by a dissatisfied buyer who cannot return locally",
        "assumption: stuck with an unwanted item",
    )
    rating_prior_positive: float = P(
        4.0, 0.0, 1000.0, "reviews",
        "pseudo-count of positive reviews in a new seller's public rating",
        "assumption: Bayesian prior of 80% positive",
    )
    rating_prior_negative: float = P(
        1.0, 0.0, 1000.0, "reviews",
        "pseudo-count of negative reviews in a new seller's public rating",
        "assumption: a new seller's rating starts uncertain, not perfect",
    )

    # --- culture (Hofstede) elasticities; see simulation.culture --------------------------
    uai_risk_elasticity: float = P(
        0.5, 0.0, 2.0, "1",
        "risk weight change per 50 points of uncertainty avoidance above 50",
        "literature: Hofstede (2010); Lim et al. (2004); Hallikainen & Laukkanen (2018)"
        " (direction; size assumed, see docs/CULTURE.md)",
    )
    idv_peer_elasticity: float = P(
        0.4, 0.0, 0.95, "1",
        "peer-influence change per 50 points of individualism below 50",
        "literature: Hofstede (2010); Lam, Lee & Mizerski (2009); Pezzuti et al. (2021),"
        " collectivists share more (direction; size assumed, see docs/CULTURE.md)",
    )
    pdi_authority_elasticity: float = P(
        0.4, 0.0, 0.95, "1",
        "KOL authority change per 50 points of power distance above 50",
        "literature: Winterich, Gangwar & Grewal (2018), power distance strengthens"
        " endorsements (direction; size assumed, see docs/CULTURE.md)",
    )
    ivr_impulse_elasticity: float = P(
        0.5, 0.0, 0.95, "1",
        "impulse-buying change per 50 points of indulgence above 50",
        "assumption: Hofstede (2010) defines indulgence as acting on desires; no"
        " cross-country IVR-impulse study found (see docs/CULTURE.md)",
    )
    lto_loyalty_elasticity: float = P(
        0.3, 0.0, 0.95, "1",
        "loyalty (repurchase, trust memory) change per 50 points of LTO above 50",
        "literature: Dikcius et al. (2023) meta-analysis, low LTO lowers online store"
        " loyalty (direction; size assumed, see docs/CULTURE.md)",
    )
    mas_brand_elasticity: float = P(
        0.3, 0.0, 0.95, "1",
        "brand/quality sensitivity change per 50 points of masculinity above 50",
        "literature: de Mooij & Hofstede (2011), masculine cultures value status goods"
        " (direction; size assumed, see docs/CULTURE.md)",
    )

    culture_multiplier_floor: float = P(
        0.05, 0.0, 1.0, "multiplier",
        "smallest value a culture multiplier takes (so culture never reverses a mechanism)",
        "assumption: culture scales mechanisms, it does not switch their sign",
    )

    # --- cultural distance and language; see simulation.cultural_distance -----------------
    cultural_distance_trust_elasticity: float = P(
        0.1, 0.0, 2.0, "1 per unit of Kogut-Singh distance",
        "seller-made content earns 1/(1 + e * distance) of the trust it earns at home",
        "assumption: liability of foreignness grows with cultural distance (Kogut & Singh"
        " 1988 index); no effect size for content trust found, 0.1 gives the most distant"
        " catalog region (MX, 4.5 from CN) 0.69 and the nearest (ID, 0.7) 0.93",
    )
    language_mismatch_factor: float = P(
        0.6, 0.0, 1.0, "multiplier",
        "attention and trust of content in a language the region does not read",
        "literature: CSA Research (2020) Can't Read, Won't Buy - B2C, 8,709 consumers in"
        " 29 countries: 40% never buy from websites in other languages (read as 40% of the"
        " audience getting nothing from the content)",
    )
    live_misfire_base_rate: float = P(
        0.0, 0.0, 1.0, "probability per stream",
        "chance a local creator's live-stream breaks a local norm (backlash)",
        "assumption: misfires here are a cost of cultural distance; local creators' gaffes are"
        " left to KOL credibility (alternative considered: 0.002, rare gaffes at home)",
    )
    live_misfire_rate_per_distance: float = P(
        0.01, 0.0, 0.2, "probability per stream per unit of distance",
        "added chance of a norm-breaking live-stream per unit of Kogut-Singh distance",
        "assumption: a weekly non-local stream misfires about once in 6 months at distance"
        " 4 (US, MX from CN); no published rate found",
    )
    live_misfire_trust_loss: float = P(
        0.1, 0.0, 1.0, "share of trust",
        "trust a viewer of a misfired live-stream loses (instead of the stream's gain)",
        "assumption: smaller than a friend's negative share (0.15): a stranger's gaffe",
    )
    misfire_suspension_probability: float = P(
        0.25, 0.0, 1.0, "probability",
        "chance a misfire gets the KOL contract suspended",
        "assumption: platforms or the creator pause one collaboration in four after a backlash",
    )
    misfire_suspension_days: int = P(
        14, 0, 365, "days",
        "days a suspended KOL contract neither posts nor streams",
        "assumption: two weeks for the backlash to pass",
    )
    local_kol_share: float = P(
        1.0, 0.0, 1.0, "share of bookings",
        "share of a seller's KOL bookings that go to local creators (the rest carry the"
        " seller's cultural distance and content language); kol_marketing can set it",
        "assumption: the model's creators are residents of their region (drawn from its"
        " platform users); home-market hosts and agency accounts are a scenario choice"
        " (alternative considered: 0.5, no published split found)",
    )

    # --- KOLs -----------------------------------------------------------------------------
    kols_per_region: int = P(
        100, 0, 5_000, "KOLs",
        "number of KOL agents per region",
        "assumption: enough for a nano-to-mega pyramid in every region",
    )
    kol_credibility_sd: float = P(
        0.1, 0.0, 0.5, "credibility units",
        "s.d. of a KOL's credibility around its tier's",
        "assumption: creators of one tier differ in how much followers believe them",
    )
    kol_credibility_floor: float = P(
        0.05, 0.0, 1.0, "credibility units",
        "lowest credibility a KOL has (draws below are raised to it)",
        "assumption: a creator with followers keeps some credibility",
    )
    kol_nano_share_of_kols: float = P(
        0.5, 0.0, 1.0, "share of KOLs",
        "weight of the nano tier in a region's creator pyramid (normalised over tiers)",
        "assumption: a pyramid of many small creators (brief: 1 head KOL + 100 KOCs)",
    )
    kol_nano_follower_share: float = P(
        0.002, 0.0, 1.0, "share of platform users",
        "followers of a nano KOL as a share of the platform's users in the region",
        "assumption: tiers by follower count scaled to the modelled population",
    )
    kol_nano_credibility: float = P(
        0.8, 0.0, 1.0, "credibility units",
        "how much followers believe a nano KOL (mean of the tier)",
        "brief: smaller creators (KOC) are seen as more authentic; assumption for size",
    )
    kol_nano_view_rate: float = P(
        0.3, 0.0, 1.0, "share of followers",
        "followers who see a nano KOL's post (organic reach)",
        "facts: engagement falls with size (Instagram ER nano 2.2-6.2%, >1M ~1.5-2.5%); "
        "views several times interactions (assumption: 10-30% reach)",
    )
    kol_nano_live_view_rate: float = P(
        0.05, 0.0, 1.0, "share of followers",
        "followers who watch a nano KOL's live-stream",
        "assumption: a fraction of post reach, falling with size",
    )
    kol_micro_share_of_kols: float = P(
        0.28, 0.0, 1.0, "share of KOLs",
        "weight of the micro tier in a region's creator pyramid (normalised over tiers)",
        "assumption: a pyramid of many small creators (brief: 1 head KOL + 100 KOCs)",
    )
    kol_micro_follower_share: float = P(
        0.01, 0.0, 1.0, "share of platform users",
        "followers of a micro KOL as a share of the platform's users in the region",
        "assumption: tiers by follower count scaled to the modelled population",
    )
    kol_micro_credibility: float = P(
        0.72, 0.0, 1.0, "credibility units",
        "how much followers believe a micro KOL (mean of the tier)",
        "brief: smaller creators (KOC) are seen as more authentic; assumption for size",
    )
    kol_micro_view_rate: float = P(
        0.25, 0.0, 1.0, "share of followers",
        "followers who see a micro KOL's post (organic reach)",
        "facts: engagement falls with size (Instagram ER nano 2.2-6.2%, >1M ~1.5-2.5%); "
        "views several times interactions (assumption: 10-30% reach)",
    )
    kol_micro_live_view_rate: float = P(
        0.04, 0.0, 1.0, "share of followers",
        "followers who watch a micro KOL's live-stream",
        "assumption: a fraction of post reach, falling with size",
    )
    kol_mid_share_of_kols: float = P(
        0.13, 0.0, 1.0, "share of KOLs",
        "weight of the mid tier in a region's creator pyramid (normalised over tiers)",
        "assumption: a pyramid of many small creators (brief: 1 head KOL + 100 KOCs)",
    )
    kol_mid_follower_share: float = P(
        0.04, 0.0, 1.0, "share of platform users",
        "followers of a mid KOL as a share of the platform's users in the region",
        "assumption: tiers by follower count scaled to the modelled population",
    )
    kol_mid_credibility: float = P(
        0.62, 0.0, 1.0, "credibility units",
        "how much followers believe a mid KOL (mean of the tier)",
        "brief: smaller creators (KOC) are seen as more authentic; assumption for size",
    )
    kol_mid_view_rate: float = P(
        0.2, 0.0, 1.0, "share of followers",
        "followers who see a mid KOL's post (organic reach)",
        "facts: engagement falls with size (Instagram ER nano 2.2-6.2%, >1M ~1.5-2.5%); "
        "views several times interactions (assumption: 10-30% reach)",
    )
    kol_mid_live_view_rate: float = P(
        0.03, 0.0, 1.0, "share of followers",
        "followers who watch a mid KOL's live-stream",
        "assumption: a fraction of post reach, falling with size",
    )
    kol_macro_share_of_kols: float = P(
        0.06, 0.0, 1.0, "share of KOLs",
        "weight of the macro tier in a region's creator pyramid (normalised over tiers)",
        "assumption: a pyramid of many small creators (brief: 1 head KOL + 100 KOCs)",
    )
    kol_macro_follower_share: float = P(
        0.12, 0.0, 1.0, "share of platform users",
        "followers of a macro KOL as a share of the platform's users in the region",
        "assumption: tiers by follower count scaled to the modelled population",
    )
    kol_macro_credibility: float = P(
        0.52, 0.0, 1.0, "credibility units",
        "how much followers believe a macro KOL (mean of the tier)",
        "brief: smaller creators (KOC) are seen as more authentic; assumption for size",
    )
    kol_macro_view_rate: float = P(
        0.15, 0.0, 1.0, "share of followers",
        "followers who see a macro KOL's post (organic reach)",
        "facts: engagement falls with size (Instagram ER nano 2.2-6.2%, >1M ~1.5-2.5%); "
        "views several times interactions (assumption: 10-30% reach)",
    )
    kol_macro_live_view_rate: float = P(
        0.025, 0.0, 1.0, "share of followers",
        "followers who watch a macro KOL's live-stream",
        "assumption: a fraction of post reach, falling with size",
    )
    kol_mega_share_of_kols: float = P(
        0.03, 0.0, 1.0, "share of KOLs",
        "weight of the mega tier in a region's creator pyramid (normalised over tiers)",
        "assumption: a pyramid of many small creators (brief: 1 head KOL + 100 KOCs)",
    )
    kol_mega_follower_share: float = P(
        0.3, 0.0, 1.0, "share of platform users",
        "followers of a mega KOL as a share of the platform's users in the region",
        "assumption: tiers by follower count scaled to the modelled population",
    )
    kol_mega_credibility: float = P(
        0.45, 0.0, 1.0, "credibility units",
        "how much followers believe a mega KOL (mean of the tier)",
        "brief: smaller creators (KOC) are seen as more authentic; assumption for size",
    )
    kol_mega_view_rate: float = P(
        0.12, 0.0, 1.0, "share of followers",
        "followers who see a mega KOL's post (organic reach)",
        "facts: engagement falls with size (Instagram ER nano 2.2-6.2%, >1M ~1.5-2.5%); "
        "views several times interactions (assumption: 10-30% reach)",
    )
    kol_mega_live_view_rate: float = P(
        0.02, 0.0, 1.0, "share of followers",
        "followers who watch a mega KOL's live-stream",
        "assumption: a fraction of post reach, falling with size",
    )
    kol_fee_per_1k_followers_usd: float = P(
        15.0, 0.0, 500.0, "USD per 1000 followers per post",
        "KOL fee per post at the reference income; scales with income per capita",
        "facts: ~USD 10-20 per 1000 followers (WebFX 2022, inBeat)",
    )
    kol_posts_per_week: float = P(
        2.0, 0.0, 14.0, "posts per week",
        "posts a contracted KOL makes for the seller",
        "assumption: two sponsored posts a week per contracted creator",
    )
    live_streams_per_month: float = P(
        2.0, 0.0, 30.0, "streams per month",
        "live-streams a contracted KOL runs for the seller",
        "assumption: a stream every other week per contracted creator",
    )
    live_reach_base_share: float = P(
        0.5, 0.0, 1.0, "share",
        "part of a tier's live-stream reach that does not depend on the region's live habit",
        "assumption: half of live reach is the creator's, half the region's shopping habit",
    )
    live_commerce_reference: float = P(
        0.44, 0.01, 1.0, "share of internet users",
        "live-commerce share at which the tier's live reach applies in full",
        "facts: 44% of SE Asian internet users shopped via live shopping (Cube Asia 2022)",
    )
    kol_commission_rate: float = P(
        0.1, 0.0, 0.5, "share of sale",
        "commission on sales made during a KOL's live-stream",
        "assumption: 5-20% affiliate commissions are common",
    )

    # --- fulfilment and operations --------------------------------------------------------
    hub_processing_days: float = P(
        2.0, 0.0, 30.0, "days",
        "pick-pack time at the China hub",
        "assumption: one to two days of pick-pack at a busy export hub",
    )
    linehaul_departures_per_week: float = P(
        3.0, 0.5, 14.0, "departures per week",
        "consolidated line-haul departures a week on a seller's direct lane without route "
        "planning; hub_processing_days includes the wait for the next one (7 / (2 x this) days)",
        "assumption: e-commerce lines consolidate parcels into scheduled line-hauls, a few a "
        "week on all but the busiest lanes (no lane timetable data); read only by the "
        "route_optimisation lever, so the lever-free market does not depend on it",
    )
    overseas_processing_days: float = P(
        0.5, 0.0, 30.0, "days",
        "payment to carrier hand-over at an overseas (or local) warehouse",
        "assumption: same-day dispatch for orders paid before the carrier's afternoon "
        "cut-off (fulfilment cut-offs 14:00-16:30, growthsuite.net glossary 'shipping "
        "cutoff time'), next-day for the rest: about half a day on average; 1.0 (the "
        "next-day end of the range) counted every order as missing the cut-off",
    )
    transit_cv: float = P(
        0.3, 0.0, 2.0, "1",
        "coefficient of variation of transit times (lognormal)",
        "assumption: parcels are unreliable (brief)",
    )
    last_mile_cost_usd: float = P(
        4.0, 0.0, 100.0, "USD per parcel",
        "local last-mile cost from an overseas warehouse",
        "assumption: USD 3-6 domestic parcel rates",
    )
    local_return_cost_usd: float = P(
        4.0, 0.0, 100.0, "USD per return",
        "cost of a local return to an overseas warehouse",
        "assumption: a domestic return label and restocking in the region",
    )
    cross_border_return_cost_usd: float = P(
        15.0, 0.0, 200.0, "USD per return",
        "cost of a return shipped back across the border",
        "assumption: international return postage",
    )
    holding_cost_rate: float = P(
        0.0008, 0.0, 0.05, "share of unit cost per day",
        "daily inventory holding cost (capital, storage) as share of unit cost",
        "assumption: ~25-30% per year",
    )
    # --- late replenishment (simulation.replenishment_delays) -----------------------------
    supplier_late_share: float = P(
        0.15, 0.0, 1.0, "share of batches",
        "probability that a replenishment batch from the supplier reaches the hub late",
        "literature: APQC Open Standards Benchmarking (Spend Matters, 22 Aug 2013): top "
        "performers get 91% of supplier orders by the original request date, the bottom "
        "performers 13 points fewer (78%): between 9% and 22% late",
    )
    supplier_delay_share: float = P(
        0.17, 0.0, 2.0, "share of planned lead time",
        "mean delay of a late supplier batch as a share of its planned factory lead time",
        "assumption: a late leg slips by the same share of its planned length as a late "
        "container vessel (Sea-Intelligence GLP 2023: 4.6 days late on Asia-US/Europe "
        "port-to-port legs of 20-32 days, mean 27.75 in the region catalog's sourced lanes: "
        "0.17); a shorter leg has fewer days of production and haulage to slip",
    )
    sea_late_share: float = P(
        0.36, 0.0, 1.0, "share of batches",
        "probability that bulk sea freight to an overseas warehouse arrives late",
        "literature: Sea-Intelligence Global Liner Performance: global schedule reliability 63-67% "
        "Apr-Aug 2023 (issues 141-145), about 64%",
    )
    sea_late_delay_days: float = P(
        4.6, 0.0, 60.0, "days",
        "mean delay of a late sea-freight replenishment batch",
        "literature: Sea-Intelligence Global Liner Performance: average delay of late vessel "
        "arrivals 4.34-5.29 days Feb-Aug 2023, 4.59 in July 2023 (issue 144)",
    )
    # --- inventory record accuracy (simulation.inventory_accuracy) --------------------------
    phantom_stock_rate: float = P(
        0.01, 0.0, 0.05, "share of picks",
        "probability that a pick the stock records serve finds no unit (phantom, misplaced "
        "or damaged stock); the order takes the stock-out path and the unit is written off",
        "literature: warehouse location inventory accuracy (share of counted locations whose "
        "count matches the record): operations typically target 95-99%+, best in class "
        "99.5%+ (Infios knowledge center, WMS glossary 'Inventory Accuracy'); "
        "assumption: a pick fails at the typical 99% level's inaccurate-location share, 1%, "
        "counting every discrepancy as a failed pick (an upper reading: an overstated record "
        "fails only its last unit, an understated one none); the range runs to the 95% low "
        "end. Chosen before measuring any effect",
    )
    max_backorder_days: float = P(
        14.0, 0.0, 120.0, "days",
        "a paid order waiting for stock longer than this is cancelled and refunded",
        "assumption: marketplaces cancel orders unshipped after ~2-3 weeks",
    )
    warehouse_capacity_per_1k_consumers: float = P(
        5.0, 0.01, 1_000.0, "orders per day per 1000 consumers",
        "daily pick-pack capacity of a warehouse, scaled to the market size",
        "assumption: sized for normal days, not live-stream peaks (brief)",
    )
    false_positive_rate: float = P(
        0.01, 0.0, 0.5, "probability",
        "share of legitimate checkouts declined by fraud screening",
        "assumption: fraud screens decline a few percent of good orders",
    )
    chargeback_fee_usd: float = P(
        15.0, 0.0, 200.0, "USD per chargeback",
        "fee a seller pays per chargeback",
        "assumption: typical card scheme fees USD 15-25",
    )
    breach_base_daily_rate: float = P(
        0.001, 0.0, 0.1, "1/day",
        "daily chance of a data breach per seller with no compliance spend",
        "assumption: about one breach every three years",
    )
    breach_trust_loss: float = P(
        0.3, 0.0, 1.0, "share of trust",
        "share of trust lost by a seller's aware consumers when a breach is public",
        "brief: fraud and data leaks destroy trust",
    )

    referral_share_uplift: float = P(
        1.0, 0.0, 10.0, "multiplier - 1",
        "relative rise in sharing when the seller pays a referral rebate",
        "brief: referral incentives raise sharing; Gen Z users invite 5.8 friends (2025 report)",
    )
    group_window_days: float = P(
        3.0, 0.0, 60.0, "days",
        "days an invitation stays open: an invited friend who buys within it joins the "
        "sharer's group (group price, rebate); later the invitation expires",
        "assumption: Pinduoduo group deals close within about 24 h; a few days because a "
        "daily step and friends' purchase occasions are days apart",
    )
    referral_pot_days: float = P(
        30.0, 1.0, 365.0, "days of referral budget",
        "most a referral pot holds, in days of its referral budget; what accrues beyond it "
        "buys the next day's ads in the region, so a programme that pays out little does "
        "not silently cut the money spent ('same budget' means the same spend)",
        "assumption: rebates and group subsidies owed within a month are covered; the "
        "alternative, leaving the overflow unspent, is what referral_unspent reported before",
    )
    invitation_response_rate: float = P(
        0.05, 0.0, 1.0, "1/day",
        "daily chance that a consumer holding an open group-buy invitation looks at the "
        "group offer (a purchase occasion limited to the inviting seller at the group price)",
        "assumption: a referral link is one chat message among many; 0.05 a day is 14% "
        "looked at within a 3-day window, and with the model's choice at the group price "
        "about 2-3% of invitations convert (measured: KR 2.8%, ID 2.3%, 180 days), the few "
        "per cent referral programmes report; Leskovec, Adamic & Huberman 2007 (ACM TWEB "
        "1(1)): recommendations rarely induce purchases and cascades stay small. The earlier "
        "0.3 (66% looked at) converted 7-9% of invitations and made the invitation chain "
        "supercritical (docs/LEVER_SCAN.md)",
    )
    max_group_households: float = P(
        5.0, 2.0, 50.0, "households",
        "largest group: the sharer plus the invited friends who joined",
        "brief: family group-buys of 3-5 households (2025 report)",
    )
    group_basket_multiplier: float = P(
        1.6, 1.0, 5.0, "multiplier",
        "basket of a household buying in a group relative to a solo order, in regions where "
        "family group-buying is the habit (Southeast Asia, Middle East)",
        "brief: family group-buy in Southeast Asia and the Middle East: order value 60-65% "
        "above individuals (2025 report); the low end",
    )
    referral_match_power: float = P(
        1.0, 0.0, 3.0, "exponent",
        "how a sharer in a referral programme picks whom to invite: each tie with a chance "
        "proportional to the friend's category affinity to this power (expected number "
        "invited unchanged: share_reach of her ties); 0 = friends at random, like a feed post",
        "assumption: an invitation is a direct message to chosen friends and the referrer "
        "knows who needs the product (better match: Schmitt, Skiera & Van den Bulte 2011, "
        "J. Marketing); 1 = in proportion to the friend's need, the neutral choice between "
        "random (0) and only the keenest friends (large)",
    )
    referral_tie_reach: float = P(
        1.0, 0.0, 1.0, "probability",
        "chance that a friend a customer once referred to a seller hears her later word of "
        "mouth about that seller (praise or warning), on top of the random feed audience",
        "assumption: the referral tie is a direct conversation about this seller, so the "
        "referred friend hears every later experience the referrer shares (social "
        "enrichment: Schmitt, Skiera & Van den Bulte 2011; a tie's defection raises churn: "
        "Nitzan & Libai 2011, J. Marketing); 0 = the tie ends with the group order",
    )
    social_retention_utility: float = P(
        0.586, 0.0, 3.0, "utils",
        "utility a past customer of a seller gets on it while at least one of her friends is "
        "a current customer of it (ordered, still trusts it): the social tie holds her; "
        "lever-free (simulation.social_retention); 0 = friends do not matter for retention",
        "literature: Nitzan & Libai 2011 (J. Marketing 75(6)): a defecting neighbour raises a "
        "customer's defection hazard by 80% (HR 1.797). Translation: a logit shift d multiplies "
        "the odds of leaving by exp(-d); an occasion is about monthly (purchase_occasion_rate "
        "0.04/day) like their monthly periods, and at a few per cent monthly churn a hazard ratio "
        "is about an odds ratio, so d = ln(1.797) = 0.586 between a friend who stays and one who "
        "left; not compounded per friend (assumption: the effect is per event and decays)",
    )
    repurchase_window_days: int = P(
        90, 1, 365, "days",
        "measurement only: window after a customer's first order with a seller in which a "
        "second order counts as a repurchase for the fixed-window repurchase metrics "
        "(referred_repurchase_rate_window, other_repurchase_rate_window); customers whose "
        "first order is younger at the end of the run are left out (no right censoring)",
        "definition: the 90-day repeat-purchase window of e-commerce retention reporting, "
        "independent of any lever; equal windows per customer as in Schmitt, Skiera & Van "
        "den Bulte 2011 (J. Marketing, tenure controlled); leaves 90 of the validation's "
        "180 days for first orders to qualify",
    )
    kol_live_fee_multiplier: float = P(
        3.0, 0.0, 50.0, "posts",
        "fee for a live-stream in units of a post's fee",
        "assumption: a stream takes hours of a creator's time",
    )
    bulk_freight_cost_per_unit_usd: float = P(
        1.2, 0.0, 100.0, "USD per unit",
        "sea freight per unit when stocking an overseas warehouse in bulk",
        "assumption: a 40ft container of small goods costs a few USD thousand for ~5,000 units",
    )
    fx_mean_reversion: float = P(
        0.01, 0.0, 1.0, "1/day",
        "daily pull of the log exchange-rate index back to its start",
        "assumption: keeps FX paths bounded over multi-year horizons",
    )
    home_fx_daily_volatility: float = P(
        0.0022, 0.0, 0.05, "log CNY per USD per day",
        "daily s.d. of the sellers' home-currency (CNY) exchange rate; cross-border sellers' "
        "unit and fixed costs move with it in USD",
        "assumption: CNY/USD annualised volatility ~3.5% (managed float) / sqrt(252)",
    )
    compliance_halving_spend_per_1k: float = P(
        0.5, 0.001, 1_000.0, "USD per day per 1000 consumers",
        "compliance spend that halves the breach hazard",
        "assumption: diminishing returns to security spend",
    )
    fine_enforcement_share: float = P(
        0.25, 0.0, 1.0, "share of the maximum fine",
        "expected fine after a breach as a share of the legal maximum x regime strictness",
        "assumption: regulators seldom impose the maximum",
    )

    certification_trust_bonus: float = P(
        0.2, 0.0, 2.0, "share",
        "relative rise in initial trust for a seller with third-party credit certification",
        "brief: institutional trust (escrow, certification, credit records)",
    )

    carbon_express_air_kg: float = P(
        2.5, 0.0, 50.0, "kg CO2e per parcel",
        "emissions of a 0.5 kg parcel flown ~9,000 km by express air",
        "assumption: ~0.6 kg CO2e per tonne-km for air freight (GLEC framework order of magnitude)",
    )
    carbon_postal_air_kg: float = P(
        2.0, 0.0, 50.0, "kg CO2e per parcel",
        "emissions of a postal air parcel (belly cargo, consolidated)",
        "assumption: slightly below express air",
    )
    carbon_ecommerce_line_kg: float = P(
        1.6, 0.0, 50.0, "kg CO2e per parcel",
        "emissions of a dedicated e-commerce line parcel (consolidated air + truck)",
        "assumption: consolidated air freight",
    )
    carbon_sea_freight_kg: float = P(
        0.35, 0.0, 50.0, "kg CO2e per parcel",
        "emissions of a sea-freight parcel including the last mile",
        "assumption: ~0.015 kg CO2e per tonne-km by sea plus ~0.2 kg last mile",
    )
    carbon_last_mile_kg: float = P(
        0.2, 0.0, 50.0, "kg CO2e per parcel",
        "emissions of local delivery from an overseas warehouse (bulk inbound by sea included)",
        "assumption: van delivery ~0.15-0.25 kg per parcel",
    )

    international_leg_share: float = P(
        0.8, 0.0, 1.0, "share of transit days",
        "part of a direct parcel's transit before it reaches the destination's customs",
        "assumption: the line haul and export handling take most of a direct parcel's trip",
    )

    # --- performance knobs (no effect on behaviour) ---------------------------------------
    order_compaction_interval: int = P(
        30, 1, 3650, "days",
        "how often finished orders are folded into totals (memory, not behaviour)",
        "engineering: bounds memory at scale",
    )


@dataclass(frozen=True)
class KolTier:
    """Reach and credibility of one influencer tier (scaled to the modelled population)."""

    name: str
    share_of_kols: float  # share of a region's KOL agents in this tier (the pyramid)
    follower_share: float  # followers as share of the platform's users in the region
    credibility: float  # 0-1, how much followers believe the KOL
    view_rate: float  # share of followers who see a post (organic reach)
    live_view_rate: float  # share of followers who watch a live-stream


KOL_TIER_NAMES: tuple[str, ...] = ("nano", "micro", "mid", "macro", "mega")
"""Influencer tiers by follower count, smallest first (each has ``kol_<tier>_*`` parameters)."""


def kol_tiers(params: ModelParameters) -> tuple[KolTier, ...]:
    """The influencer pyramid of a parameter set, one :class:`KolTier` per tier, smallest first.

    Tier shares are relative weights, normalised over the tiers.
    """
    shares = [getattr(params, f"kol_{t}_share_of_kols") for t in KOL_TIER_NAMES]
    total = sum(shares)
    return tuple(
        KolTier(t, share / total if total > 0 else 1.0 / len(KOL_TIER_NAMES),
                *(getattr(params, f"kol_{t}_{col}")
                  for col in ("follower_share", "credibility", "view_rate", "live_view_rate")))
        for t, share in zip(KOL_TIER_NAMES, shares, strict=True)
    )


def load_calibration(path: Path) -> dict[str, float]:
    """Parameter values of a profile file (``parameters:`` name -> value); empty if missing.

    Raises:
        ValueError: naming the parameter, if a value is unknown or outside its range.
    """
    if not path.exists():
        return {}
    data = load_yaml_file_cached(path) or {}  # strict, parsed once per file version
    values = data.get("parameters", {})
    fields = ModelParameters.model_fields
    for name, value in values.items():
        if name not in fields:
            raise ValueError(f"{path.name}: parameters.{name} is not a model parameter")
        extra = fields[name].json_schema_extra or {}
        if not extra["lo"] <= value <= extra["hi"]:
            raise ValueError(f"{path.name}: parameters.{name} = {value} outside "
                             f"[{extra['lo']}, {extra['hi']}]")
    return {k: float(v) for k, v in values.items()}


def declared_default(name: str) -> Any:
    """The declared default of parameter ``name`` (for pure functions' keyword defaults)."""
    return ModelParameters.model_fields[name].default


PRIOR_DEFAULTS: dict[str, float] = {
    name: f.default for name, f in ModelParameters.model_fields.items()
}
"""The declared defaults (the priors' centres; the 'declared' profile)."""


def set_defaults(values: Mapping[str, float]) -> dict[str, float]:
    """Make ``values`` the defaults of their parameters; returns the defaults they replace.

    Only for tests that simulate a changed model (and restore the defaults after); a run
    chooses its values through its spec's profile (:mod:`simulation.profiles`).
    """
    previous = {}
    for name, value in values.items():
        field = ModelParameters.model_fields[name]
        previous[name] = field.default
        field.default = int(value) if field.annotation is int else value
    if values:
        ModelParameters.model_rebuild(force=True)
    return previous


@dataclass(frozen=True)
class ParameterInfo(Declaration):
    """What a user interface needs to show one parameter: its declaration and its profile."""

    prior_default: float = 0.0
    calibrated: bool = False

    @property
    def name(self) -> str:
        """The parameter's name (its path inside ``parameters``)."""
        return self.path


def parameter_table(values: Mapping[str, float] | None = None) -> list[ParameterInfo]:
    """All declared parameters with their metadata, in declaration order.

    ``values`` are a profile's values (see :func:`simulation.profiles.profile_parameter_table`):
    ``default`` is then the value a spec of that profile runs, and ``prior_default`` the
    declared default; without them both are the declared default.
    """
    values = values or {}
    rows = []
    for name, field in ModelParameters.model_fields.items():
        d = declaration_of(field, name)
        if d is None:
            raise TypeError(f"parameter {name} is not declared with P()")
        rows.append(ParameterInfo(**{**vars(d), "default": values.get(name, d.default)},
                                  prior_default=d.default, calibrated=name in values))
    return rows

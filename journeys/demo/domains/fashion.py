"""Linden & Co., the demo fashion retailer: catalogue, stores and event properties."""

from __future__ import annotations

from random import Random
from typing import Any

from journeys.demo.domains.base import COMMON_EXTRAS, Domain, Extra, State, digits, pick

# (product id, name, category, price in EUR)
PRODUCTS: tuple[tuple[str, str, str, float], ...] = (
    ("SKU-10412", "Linen shirt", "shirts", 59.95),
    ("SKU-10433", "Oxford shirt", "shirts", 49.95),
    ("SKU-11020", "Wide-leg jeans", "jeans", 79.95),
    ("SKU-11054", "Slim tapered jeans", "jeans", 69.95),
    ("SKU-12007", "Merino crew-neck", "knitwear", 89.95),
    ("SKU-12031", "Chunky cardigan", "knitwear", 99.95),
    ("SKU-12088", "Cashmere turtleneck", "knitwear", 149.00),
    ("SKU-13015", "Wrap dress", "dresses", 79.95),
    ("SKU-13042", "Satin midi dress", "dresses", 119.00),
    ("SKU-13077", "Shirt dress", "dresses", 69.95),
    ("SKU-14003", "Wool coat", "coats", 229.00),
    ("SKU-14021", "Trench coat", "coats", 189.00),
    ("SKU-14060", "Recycled puffer jacket", "coats", 159.00),
    ("SKU-15009", "Leather ankle boots", "shoes", 139.00),
    ("SKU-15033", "White leather sneakers", "shoes", 99.95),
    ("SKU-15047", "Suede loafers", "shoes", 119.00),
    ("SKU-16002", "Silk scarf", "accessories", 39.95),
    ("SKU-16019", "Canvas tote", "accessories", 29.95),
    ("SKU-16035", "Leather belt", "accessories", 44.95),
    ("SKU-17011", "Oversized blazer", "blazers", 139.00),
    ("SKU-17026", "Pleated trousers", "trousers", 79.95),
    ("SKU-17048", "Chino trousers", "trousers", 59.95),
    ("SKU-18004", "Organic cotton T-shirt", "t-shirts", 19.95),
    ("SKU-18017", "Striped long-sleeve", "t-shirts", 29.95),
)
STORES = (
    ("ST-001", "Amsterdam Kalverstraat"),
    ("ST-004", "Utrecht Oudegracht"),
    ("ST-007", "Rotterdam Lijnbaan"),
    ("ST-012", "Den Haag Spuistraat"),
    ("ST-015", "Haarlem Grote Houtstraat"),
    ("ST-021", "Groningen Herestraat"),
    ("ST-026", "Eindhoven Demer"),
    ("ST-033", "Maastricht Grote Staat"),
)
SIZES = ("XS", "S", "M", "L", "XL")
FREE_DELIVERY_FROM = 75.0
DELIVERY_COST = 4.95


def _product(rng: Random, state: State) -> dict[str, Any]:
    # Customers keep looking at a few pieces rather than the whole catalogue.
    seen: list[int] = state.setdefault("seen", [])
    if seen and rng.random() < 0.35:
        i = pick(rng, seen)
    else:
        i = int(rng.random() * len(PRODUCTS))
        seen.append(i)
    state["product"] = i
    sku, name, category, price = PRODUCTS[i]
    return {
        "product_id": sku,
        "name": name,
        "category": category,
        "price": price,
        "currency": "EUR",
        "brand": "Linden & Co.",
    }


def _added(rng: Random, state: State) -> dict[str, Any]:
    props = _product(rng, state)
    props.update(size=pick(rng, SIZES), quantity=1 if rng.random() < 0.85 else 2)
    cart: list[float] = state.setdefault("cart", [])
    cart.append(props["price"] * props["quantity"])
    props["cart_id"] = state.setdefault("cart_id", f"cart-{digits(rng, 8)}")
    return props


def _cart_value(rng: Random, state: State) -> float:
    cart: list[float] = state.get("cart") or [pick(rng, PRODUCTS)[3]]
    return round(sum(cart), 2)


def _checkout(rng: Random, state: State) -> dict[str, Any]:
    value = _cart_value(rng, state)
    shipping = 0.0 if value >= FREE_DELIVERY_FROM else DELIVERY_COST
    return {
        "step": 2,
        "step_name": "delivery",
        "cart_value": value,
        "shipping_cost": shipping,
        "currency": "EUR",
        "delivery_options": ["home", "pickup_point"],
    }


def _order(rng: Random, state: State) -> dict[str, Any]:
    value = _cart_value(rng, state)
    shipping = 0.0 if value >= FREE_DELIVERY_FROM else DELIVERY_COST
    order_id = f"LC-{digits(rng, 7)}"
    state.update(order_id=order_id, order_value=value, cart=[])
    state.pop("cart_id", None)
    payment = pick(rng, ("ideal", "ideal", "card", "apple_pay", "klarna"))
    return {
        "order_id": order_id,
        "revenue": round(value + shipping, 2),
        "shipping": shipping,
        "currency": "EUR",
        "payment_method": payment,
        "items": max(1, round(value / 70)),
    }


def _store(rng: Random, state: State) -> dict[str, Any]:
    store_id, name = STORES[state.setdefault("store", int(rng.random() * len(STORES)))]
    return {"store_id": store_id, "store_name": name}


def _fitting(rng: Random, state: State) -> dict[str, Any]:
    return {
        **_store(rng, state),
        "items_tried": 1 + int(rng.expovariate(0.6)),
        "assisted": rng.random() < 0.4,
    }


def _pos(rng: Random, state: State) -> dict[str, Any]:
    amount = round(sum(pick(rng, PRODUCTS)[3] for _ in range(1 + int(rng.random() * 2.4))), 2)
    state.update(order_id=f"POS-{digits(rng, 8)}", order_value=amount)
    card = state.setdefault("card", f"LCC-{digits(rng, 8)}")
    return {
        **_store(rng, state),
        "amount": amount,
        "currency": "EUR",
        "loyalty_card": card,
        "receipt_id": state["order_id"],
        "payment_method": pick(rng, ("pin", "pin", "cash")),
    }


def _tracked(rng: Random, state: State) -> dict[str, Any]:
    status = pick(rng, ("in_transit", "in_transit", "out_for_delivery", "delivered"))
    return {
        "order_id": state.get("order_id", f"LC-{digits(rng, 7)}"),
        "carrier": pick(rng, ("postnl", "postnl", "dhl", "dpd")),
        "status": status,
    }


def _return(rng: Random, state: State) -> dict[str, Any]:
    # Sizing dominates returns: the reason the fit finder is on the backlog.
    reason = pick(rng, ("size", "size", "size", "fit", "fit", "quality", "changed_mind"))
    value = float(state.get("order_value", 59.95))
    return {
        "order_id": state.get("order_id", f"LC-{digits(rng, 7)}"),
        "reason": reason,
        "items": 1,
        "refund_amount": round(value * pick(rng, (0.5, 1.0)), 2),
        "currency": "EUR",
        "method": pick(rng, ("postnl_qr", "label_printed")),
    }


def _ad(rng: Random, state: State) -> dict[str, Any]:
    return {
        "utm_source": "instagram",
        "utm_medium": "paid_social",
        "utm_campaign": pick(rng, ("spring-drop", "new-in", "denim-edit")),
        "ad_id": f"ad-{digits(rng, 6)}",
        "placement": pick(rng, ("feed", "stories", "reels")),
    }


def _review(rng: Random, state: State) -> dict[str, Any]:
    sku = PRODUCTS[int(state.get("product", 0))][0]
    rating = pick(rng, (5, 5, 5, 4, 4, 4, 3, 2, 1))
    fit = pick(rng, ("true_to_size", "true_to_size", "runs_small", "runs_large"))
    return {"product_id": sku, "rating": rating, "fit": fit, "has_photo": rng.random() < 0.2}


def _points(rng: Random, state: State) -> dict[str, Any]:
    points = int(rng.expovariate(1 / 400))
    tier = "gold" if points > 1000 else "silver" if points > 300 else "bronze"
    return {"points": points, "tier": tier}


def _chat(rng: Random, state: State) -> dict[str, Any]:
    return {
        "conversation_id": f"chat-{digits(rng, 8)}",
        "order_id": state.get("order_id"),
        "handled_by": pick(rng, ("bot", "bot", "agent")),
    }


def _traits(rng: Random, persona: str | None) -> dict[str, Any]:
    return {
        "preferred_size": pick(rng, SIZES),
        "newsletter": rng.random() < 0.6,
        "favourite_store": pick(rng, STORES)[1],
    }


EXTRAS: dict[str, Extra] = {
    **COMMON_EXTRAS,
    "ad_clicked": _ad,
    "product_viewed": _product,
    "product_added_to_wishlist": _product,
    "product_added": _added,
    "checkout_step_viewed": _checkout,
    "order_completed": _order,
    "store_visited": _store,
    "fitting_room_used": _fitting,
    "pos_transaction": _pos,
    "shipment_tracked": _tracked,
    "return_requested": _return,
    "chat_started": _chat,
    "review_submitted": _review,
    "loyalty_points_viewed": _points,
}

FASHION = Domain(
    brand="Linden & Co.",
    host="https://www.lindenco.example",
    pages=(
        ("home", "/", "Linden & Co. — new collection"),
        ("category", "/women/dresses", "Dresses"),
        ("category", "/women/knitwear", "Knitwear"),
        ("category", "/men/shirts", "Shirts"),
        ("category", "/men/jeans", "Jeans"),
        ("category", "/shoes", "Shoes"),
        ("sale", "/sale", "Sale"),
        ("new_in", "/new-in", "New in"),
        ("help_article", "/help/delivery", "Delivery"),
        ("help_article", "/help/returns-policy", "Returns policy"),
        ("help_article", "/help/payment", "Payment methods"),
        ("store_locator", "/stores", "Find a store"),
        ("about", "/about/sustainability", "Sustainability"),
        ("account", "/account/orders", "My orders"),
        ("cart", "/cart", "Shopping bag"),
    ),
    searches=(
        "linen shirt",
        "jeans wide leg",
        "black dress",
        "wool coat",
        "sneakers white",
        "cardigan",
        "size guide",
        "gift card",
        "sale",
        "trench",
    ),
    screens=(
        ("home_feed", {}),
        ("search", {}),
        ("category", {"category": "new-in"}),
        ("category", {"category": "sale"}),
        ("orders", {}),
        ("account", {}),
        ("store_stock", {"store_id": "ST-004"}),
    ),
    chat_topics=("stock_question", "gift_card", "general", "payment_failed"),
    words=tuple(p[1].lower().replace(" ", "-") for p in PRODUCTS),
    extras=EXTRAS,
    traits=_traits,
)

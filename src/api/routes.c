/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes.c - which handler serves which path. A prefix ending in '/'
 * matches everything below it; the rest is the resource's id.
 */
#include "api/api.h"

const struct ordex_route ordex_api_routes[] = {
    {"GET", "/healthz", true, ordex_api_health},
    {"GET", "/readyz", true, ordex_api_health},
    {"POST", "/v1/events", false, ordex_api_events_post},
    {"GET", "/v1/exceptions", false, ordex_api_exceptions_list},
    {"GET", "/v1/orders/", false, ordex_api_order_get},
    {"GET", "/v1/inventory/", false, ordex_api_inventory_get},
};

const size_t ordex_api_routes_count = sizeof(ordex_api_routes) / sizeof(ordex_api_routes[0]);

#!/bin/sh
# make run: initializes the data directory on first start (printing the
# admin key once), then serves in the foreground until Ctrl-C.
set -eu
ORDEX=${1:-build/ordex}
DATA=${ORDEX_DATA:-data}
LISTEN=${ORDEX_LISTEN:-127.0.0.1:8080}
export ORDEX_DATA="$DATA" ORDEX_LISTEN="$LISTEN"
if [ ! -f "$DATA/ordex.db" ]; then
	KEY=$("$ORDEX" init --data "$DATA" | tail -n 1)
	cat <<MSG

  ordex is initialized in $DATA/.
  Admin API key (production) - shown only this once, keep it:

    $KEY

  Try it:
    curl -H "Authorization: Bearer $KEY" http://$LISTEN/v1/exceptions
    $ORDEX import --format olist ../shared/data/olist   # a real order stream
    $ORDEX exceptions

MSG
else
	echo "ordex: using $DATA/ (another key: $ORDEX key create)" >&2
fi
echo "ordex: serving on http://$LISTEN - Ctrl-C stops" >&2
exec "$ORDEX" serve --data "$DATA" --listen "$LISTEN"

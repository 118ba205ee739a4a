"""The shop's orders: saving one sends its confirmation, once the transaction commits."""

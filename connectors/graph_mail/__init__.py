"""Graph sendMail as an e-mail transport (the organisation's own mailbox)."""

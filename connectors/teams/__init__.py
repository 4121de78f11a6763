"""Microsoft Teams nudges: activity-feed notifications (single and bulk) or Bot Framework 1:1 cards."""

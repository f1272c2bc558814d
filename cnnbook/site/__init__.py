"""The site stage: MkDocs configuration helpers, hooks and the offline check."""

"""The pages stage: chapters executed from `book/`, generated atlases, all written as Markdown."""

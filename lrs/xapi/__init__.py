"""Pure xAPI 1.0.3 / 2.0.0 (IEEE 9274.1.1) layer: validation, comparison, formats, attachments, signatures.

Nothing here performs I/O or imports other parts of the project.
"""

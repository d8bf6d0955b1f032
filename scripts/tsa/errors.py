"""The exception that means the input cannot be analysed.

Every check that rejects the user's data raises InputError with a short,
stable ``code`` (for programs) and a sentence (for people). The entry
scripts turn it into a JSON error block and exit status 2; anything else
that goes wrong is a bug and keeps its traceback.
"""


class InputError(Exception):
    """Unusable input: ``code`` is a stable identifier, ``message`` says why."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self):
        """The JSON shape of the error: {"error": {"code", "message"}}."""
        return {"error": {"code": self.code, "message": self.message}}

"""The steps of the flow `mailbot.pipeline.STEPS` runs, one module per kind of mail:

    machine     a duplicate, our own mail back, a bounce, an automatic mail
    technician  unauthenticated mail in a technician's name, a technician on a ticket, a
                technician opening an employee's ticket (phone log, forward)
    requester   a closed ticket, a follow-up, a new ticket
    mass        a mass incident gathered or joined, its closure closing its reports
    opening     what opening a ticket needs (triage, acknowledgement, the loop guards' say)
    common      the Context of one message and the building blocks of a decision

Each step takes the `Context` and returns a `Decision`, or None to pass to the next one.
Modules import each other by full path (`mailbot.steps.common`), never from this package.
"""

"""Pure statistics on plain data: inter-rater agreement and the PRISMA 2020 flow diagram.

No database and no Qt here: services gather the numbers and call these functions.
"""

"""Use-cases on a Session: every query and every commit of the service. The transaction rule
(services own commits; views and jobs never commit) is written in transactions.py."""

"""The ``xbsim`` command line, which ties the model and the experiment layer together.

It lives outside ``simulation`` so that the model never imports the experiments.
"""

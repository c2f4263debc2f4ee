"""A local web app (Streamlit) where planners change a scenario and compare the variant with the base.

`jobpath app` starts it (command.py); page.py is the page; variant.py holds the logic the page
uses (reading scenarios, applying the form's changes, running the comparison), free of Streamlit.
"""

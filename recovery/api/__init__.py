"""The recovery layer's REST API: patient calls (patient.py) and staff calls (staff.py)."""

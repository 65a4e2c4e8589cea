"""screener.ui"""

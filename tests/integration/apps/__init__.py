"""Small faust apps that integration tests run as worker processes."""

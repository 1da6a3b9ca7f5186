"""Action recognition without ROS: datasets, preprocessing, models, training, evaluation."""

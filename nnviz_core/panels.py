"""The dashboard's panel names, for the CLI's --panels (kept free of matplotlib imports)."""

PANELS = {
    "fit": "the data and the network's prediction",
    "loss": "the training loss curve",
    "network": "the network diagram: weights, signs and backward flow",
    "weights_in": "heatmap of the first weight matrix",
    "weights_out": "heatmap of the last weight matrix",
    "biases": "bias bars",
    "gradients": "weight-gradient bars",
    "contributions": "what each last-hidden unit adds to the prediction, and where it switches",
    "landscape": "the loss over the plane of training's two main directions, and the real path across it",
}
CLASSIC = ("fit", "loss", "network", "weights_in", "weights_out", "biases", "gradients")

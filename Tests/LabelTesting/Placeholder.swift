enum LabelTestingPlaceholder {}

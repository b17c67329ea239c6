// A row to choose a guest: a combo box of what the build produced in one assets folder, and
// "Open..." for a file of one's own (NASM source or binary).
#pragma once

#include <QWidget>

class QComboBox;

namespace vl::gui {

class GuestPicker : public QWidget {
    Q_OBJECT
public:
    // Lists the built assets in `subdir` whose names end in one of `suffixes`; `preferred`
    // (e.g. "guest/kernel.bin") is selected when present.
    GuestPicker(const QString& subdir, const QStringList& suffixes, const QString& preferred,
                const QString& file_filter, QWidget* parent = nullptr);

    // Adds more built assets from another folder, after the first.
    void addBuiltAssets(const QString& subdir, const QStringList& suffixes);
    QComboBox* comboBox() const { return box_; }
    // The absolute path of the selected guest ("" when none).
    QString selectedPath() const;
    // Selects a built asset by its name ("guest/kernel.bin"); false when it is not listed.
    bool selectBuilt(const QString& name);
    // Selects a file of one's own (as "Open..." does), listed as `label`; listed once however
    // often it is selected.
    void selectFile(const QString& path, const QString& label);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void chooseFile();

    QComboBox* box_;
    QString file_filter_;
};

}  // namespace vl::gui
